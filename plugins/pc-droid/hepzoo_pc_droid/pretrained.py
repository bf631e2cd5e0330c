"""The published PC-Droid models (the diffusion model and its consistency-distilled student): Hub repo,
revision, sha256 of every file, card metrics.

An all-type model is published once (``pc-droid-cae/jetnet150``) and once per jet type with the
same files and the type pinned, e.g. ``{"family": "pc-droid-cae", "tag": "jetnet150-top",
"pinned_conditions": {"type": "top"}, ...}`` (``PretrainedEntry.pinned_conditions``).
"""

# One repo, one set of files: the all-type id and each per-type id (the type pinned) share them.
FILES = {
    "README.md": "8a8e21feaf3331de61323dc947426c24468330382d1d6f50896f32135a2e7899",
    "config.json": "19dc6bd83abfe826025885af07f5f687d566b3f70d7a60e653a2d9603759d22d",
    "model.safetensors": "64b4359852e4cade0e877c70a75778d92b1d0f6708106709a1931b8a0e291385"
}

# Each type's card metrics (the card's section for that type, 10,000 held-out jets).
METRICS_BY_TYPE = {
    "gluon": {
        "fpd": {
            "error": 0.00022814781138717844,
            "truth": 0.0004877715663675093,
            "value": 0.002469436755120911
        },
        "kpd": {
            "error": 6.908409298511058e-05,
            "truth": 9.675344941895148e-06,
            "value": 5.560126027281953e-05
        },
        "w1efp": {
            "error": 3.45550317056254e-06,
            "truth": 2.1463131302804473e-05,
            "value": 3.167902760504e-05
        },
        "w1m": {
            "error": 0.00013036721343906345,
            "truth": 0.001412548293776281,
            "value": 0.0005822637490453693
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.0001557964141120117,
                    "truth": 0.00036492059185777814,
                    "truth_error": 7.859840126240078e-05,
                    "value": 0.0009113588036592721
                },
                "phi_rel": {
                    "error": 0.0001123365076870716,
                    "truth": 0.001285002838542183,
                    "truth_error": 0.00012382307505883375,
                    "value": 0.0014511107721368994
                },
                "pt_rel": {
                    "error": 2.5405394527050974e-05,
                    "truth": 0.00012031072103401294,
                    "truth_error": 2.688126892988265e-05,
                    "value": 0.00013543380439398313
                }
            },
            "error": 0.00011185920865171547,
            "truth": 0.0005900780504779914,
            "value": 0.0008326344600633849
        }
    },
    "quark": {
        "fpd": {
            "error": 7.541127468771547e-05,
            "truth": 0.0004442419201813026,
            "value": 0.0011034068375270056
        },
        "kpd": {
            "error": 2.0505000046591726e-06,
            "truth": -3.614920762728957e-07,
            "value": -4.333601448802682e-07
        },
        "w1efp": {
            "error": 1.991370666742547e-06,
            "truth": 1.0443407329323955e-05,
            "value": 1.0363267625955314e-05
        },
        "w1m": {
            "error": 0.00011523486559696337,
            "truth": 0.0007632057087359524,
            "value": 0.000571466808083158
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 9.938464253540456e-05,
                    "truth": 0.0009486981278586926,
                    "truth_error": 0.00013092502030870404,
                    "value": 0.0007678433360909844
                },
                "phi_rel": {
                    "error": 8.238655253538509e-05,
                    "truth": 0.0008885905009821546,
                    "truth_error": 0.0001623779119929338,
                    "value": 0.0007442096772558046
                },
                "pt_rel": {
                    "error": 1.7195712084617163e-05,
                    "truth": 0.0002751981078203471,
                    "truth_error": 3.0330272836889694e-05,
                    "value": 0.0002547885599229925
                }
            },
            "error": 7.518985686170922e-05,
            "truth": 0.0007041622455537315,
            "value": 0.0005889471910899272
        }
    },
    "top": {
        "fpd": {
            "error": 3.9761766457251156e-05,
            "truth": 0.0004337228663707013,
            "value": 0.0009805632551316598
        },
        "kpd": {
            "error": 1.4036978010732837e-05,
            "truth": 3.933576163017705e-06,
            "value": 8.619052287883733e-06
        },
        "w1efp": {
            "error": 3.2173901183482176e-06,
            "truth": 2.2046288070688887e-05,
            "value": 4.5186252854096714e-05
        },
        "w1m": {
            "error": 0.0002265405627835052,
            "truth": 0.000587693419693513,
            "value": 0.0013481908240995366
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 6.421495262092247e-05,
                    "truth": 0.0008913267930871568,
                    "truth_error": 0.00015806802324034555,
                    "value": 0.0015865847559099553
                },
                "phi_rel": {
                    "error": 0.0001478942673827217,
                    "truth": 0.0011493964554073605,
                    "truth_error": 0.00010820526986061213,
                    "value": 0.0015275932771180415
                },
                "pt_rel": {
                    "error": 1.0095743499156306e-05,
                    "truth": 0.00013194406659417486,
                    "truth_error": 3.141895807299356e-05,
                    "value": 0.00012423855295697802
                }
            },
            "error": 9.327057146027724e-05,
            "truth": 0.0007242224383628974,
            "value": 0.0010794721953283249
        }
    },
    "w": {
        "fpd": {
            "error": 0.00012794495070541433,
            "truth": 0.0013737435526539523,
            "value": 0.001192291880619728
        },
        "kpd": {
            "error": 1.0692694350992625e-05,
            "truth": 7.676762877384391e-06,
            "value": 2.0345618589656667e-05
        },
        "w1efp": {
            "error": 1.1884123027142214e-06,
            "truth": 1.1545647523811687e-05,
            "value": 1.4129513958477885e-05
        },
        "w1m": {
            "error": 3.3864190696143283e-05,
            "truth": 0.0007413293705612944,
            "value": 0.0006853466393941009
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 7.488308988353607e-05,
                    "truth": 0.0007872597325368583,
                    "truth_error": 0.00010036092839984993,
                    "value": 0.002809392000239876
                },
                "phi_rel": {
                    "error": 7.918684593636372e-05,
                    "truth": 0.0013038794047177818,
                    "truth_error": 0.00014583609164665212,
                    "value": 0.0025174400624553054
                },
                "pt_rel": {
                    "error": 2.4559990223678804e-05,
                    "truth": 0.0003625916734334495,
                    "truth_error": 2.4882275626187733e-05,
                    "value": 0.0003812277539270163
                }
            },
            "error": 6.450123213201006e-05,
            "truth": 0.0008179102702293631,
            "value": 0.0019026866055407321
        }
    },
    "z": {
        "fpd": {
            "error": 0.00012681857732450472,
            "truth": 0.0003850144890739305,
            "value": 0.0008839791335716246
        },
        "kpd": {
            "error": 2.7787719486138667e-06,
            "truth": -2.5685579934098257e-06,
            "value": 9.353302201420277e-06
        },
        "w1efp": {
            "error": 5.561338065340865e-07,
            "truth": 5.116258754639996e-06,
            "value": 1.239545627049502e-05
        },
        "w1m": {
            "error": 8.84627936262952e-05,
            "truth": 0.0004471790384026715,
            "value": 0.0010442229931772475
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.00011430027124485164,
                    "truth": 0.0006592187384470731,
                    "truth_error": 5.5452117798900006e-05,
                    "value": 0.002005595234235773
                },
                "phi_rel": {
                    "error": 9.553387482589987e-05,
                    "truth": 0.0013016043479341735,
                    "truth_error": 0.00023724679551088233,
                    "value": 0.0016199441578045488
                },
                "pt_rel": {
                    "error": 3.0282640115174038e-05,
                    "truth": 0.0001195137023944245,
                    "truth_error": 2.484804710141768e-05,
                    "value": 0.00033563277740969184
                }
            },
            "error": 8.77654289156471e-05,
            "truth": 0.000693445596258557,
            "value": 0.0013203907231500046
        }
    }
}

# The consistency-distilled student pc-droid-cae-cd/jetnet150 (and its per-type ids): its own files.
CD_FILES: dict[str, str] = {
    "README.md": "0ac27fda95f10104282306eac9ab2988f74005b8d6001110ec652cb4c190e36a",
    "config.json": "22d278ba4b3efeae5cc7ed737cecc8d6f4b4d63678b3c3096ff4771b95296530",
    "model.safetensors": "4af7ae291d0a094ab588a40554f2d4fe2356e1254180e7d00a714f790cfcef93"
}

CD_METRICS_BY_TYPE: dict[str, dict] = {
    "gluon": {
        "fpd": {
            "error": 0.0021078889212879258,
            "truth": 0.0004877715663675093,
            "value": 0.08822589348973972
        },
        "kpd": {
            "error": 0.0006253365094378663,
            "truth": 9.675344941895148e-06,
            "value": 0.002780780326742116
        },
        "w1efp": {
            "error": 4.711369851778714e-06,
            "truth": 2.1463131302804473e-05,
            "value": 0.0001324240409389036
        },
        "w1m": {
            "error": 0.00014537629876700182,
            "truth": 0.001412548293776281,
            "value": 0.0024702559274920655
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.00012286723980777444,
                    "truth": 0.00036492059185777814,
                    "truth_error": 7.859840126240078e-05,
                    "value": 0.0014370821960727992
                },
                "phi_rel": {
                    "error": 5.682498762395206e-05,
                    "truth": 0.001285002838542183,
                    "truth_error": 0.00012382307505883375,
                    "value": 0.001403828979567291
                },
                "pt_rel": {
                    "error": 1.0166634127127021e-05,
                    "truth": 0.00012031072103401294,
                    "truth_error": 2.688126892988265e-05,
                    "value": 0.00022521607828710266
                }
            },
            "error": 7.837686369058648e-05,
            "truth": 0.0005900780504779914,
            "value": 0.001022042417975731
        }
    },
    "quark": {
        "fpd": {
            "error": 0.0015058310061126562,
            "truth": 0.0004442419201813026,
            "value": 0.040642350319976615
        },
        "kpd": {
            "error": 0.00011330569061982447,
            "truth": -3.614920762728957e-07,
            "value": 0.00030949589124040777
        },
        "w1efp": {
            "error": 1.9536150257956426e-06,
            "truth": 1.0443407329323955e-05,
            "value": 3.184602885597097e-05
        },
        "w1m": {
            "error": 5.850379001837352e-05,
            "truth": 0.0007632057087359524,
            "value": 0.002134619332036603
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.00015915423148512716,
                    "truth": 0.0009486981278586926,
                    "truth_error": 0.00013092502030870404,
                    "value": 0.002187474402616514
                },
                "phi_rel": {
                    "error": 0.00015958215482824838,
                    "truth": 0.0008885905009821546,
                    "truth_error": 0.0001623779119929338,
                    "value": 0.0015063618957026365
                },
                "pt_rel": {
                    "error": 3.320320558817279e-05,
                    "truth": 0.0002751981078203471,
                    "truth_error": 3.0330272836889694e-05,
                    "value": 0.0007001569422789959
                }
            },
            "error": 0.00013152817999777204,
            "truth": 0.0007041622455537315,
            "value": 0.0014646644135327153
        }
    },
    "top": {
        "fpd": {
            "error": 0.0011260578086822205,
            "truth": 0.0004337228663707013,
            "value": 0.11147915647623785
        },
        "kpd": {
            "error": 0.0005579964749993322,
            "truth": 3.933576163017705e-06,
            "value": 0.0052532202344457435
        },
        "w1efp": {
            "error": 5.368774032327364e-06,
            "truth": 2.2046288070688887e-05,
            "value": 0.00026816316524760556
        },
        "w1m": {
            "error": 0.0002337636753522113,
            "truth": 0.000587693419693513,
            "value": 0.006115468648363781
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 9.176754954819195e-05,
                    "truth": 0.0008913267930871568,
                    "truth_error": 0.00015806802324034555,
                    "value": 0.0019577052330633157
                },
                "phi_rel": {
                    "error": 0.00016642465652307232,
                    "truth": 0.0011493964554073605,
                    "truth_error": 0.00010820526986061213,
                    "value": 0.0017051444890241927
                },
                "pt_rel": {
                    "error": 2.0137850442602842e-05,
                    "truth": 0.00013194406659417486,
                    "truth_error": 3.141895807299356e-05,
                    "value": 0.0003932420931954853
                }
            },
            "error": 0.00011033884548569933,
            "truth": 0.0007242224383628974,
            "value": 0.0013520306050943311
        }
    },
    "w": {
        "fpd": {
            "error": 0.0003691968064618206,
            "truth": 0.0013737435526539523,
            "value": 0.01686123312278412
        },
        "kpd": {
            "error": 3.572103404195387e-05,
            "truth": 7.676762877384391e-06,
            "value": 0.00014707996275742374
        },
        "w1efp": {
            "error": 1.1715030671074268e-06,
            "truth": 1.1545647523811687e-05,
            "value": 3.48189164143716e-05
        },
        "w1m": {
            "error": 3.877455299180535e-05,
            "truth": 0.0007413293705612944,
            "value": 0.005492658812584398
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 9.02073366317006e-05,
                    "truth": 0.0007872597325368583,
                    "truth_error": 0.00010036092839984993,
                    "value": 0.002502468366946825
                },
                "phi_rel": {
                    "error": 5.1082959732353515e-05,
                    "truth": 0.0013038794047177818,
                    "truth_error": 0.00014583609164665212,
                    "value": 0.002027688783590224
                },
                "pt_rel": {
                    "error": 1.909940302501911e-05,
                    "truth": 0.0003625916734334495,
                    "truth_error": 2.4882275626187733e-05,
                    "value": 0.0006122790650349332
                }
            },
            "error": 6.0859454354861224e-05,
            "truth": 0.0008179102702293631,
            "value": 0.0017141454051906608
        }
    },
    "z": {
        "fpd": {
            "error": 0.0005858700238301693,
            "truth": 0.0003850144890739305,
            "value": 0.0237510895875696
        },
        "kpd": {
            "error": 4.6012058226266886e-05,
            "truth": -2.5685579934098257e-06,
            "value": 0.0004090060027146514
        },
        "w1efp": {
            "error": 1.0302075026992134e-06,
            "truth": 5.116258754639996e-06,
            "value": 4.7254616555367794e-05
        },
        "w1m": {
            "error": 8.050321528600971e-05,
            "truth": 0.0004471790384026715,
            "value": 0.005539324765002815
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.00012377608571202485,
                    "truth": 0.0006592187384470731,
                    "truth_error": 5.5452117798900006e-05,
                    "value": 0.0017348152433203535
                },
                "phi_rel": {
                    "error": 0.00020201615791934713,
                    "truth": 0.0013016043479341735,
                    "truth_error": 0.00023724679551088233,
                    "value": 0.0014046078825072953
                },
                "pt_rel": {
                    "error": 1.0532995262954831e-05,
                    "truth": 0.0001195137023944245,
                    "truth_error": 2.484804710141768e-05,
                    "value": 0.0004789980007810932
                }
            },
            "error": 0.00013692089132524,
            "truth": 0.000693445596258557,
            "value": 0.0012061403755362474
        }
    }
}


def _published(family: str, files: dict, metrics_by_type: dict, what: str) -> list[dict]:
    """The all-type id, then one id per type pinning it; one repo, the same files."""
    common = {"family": family, "repo_id": f"hepzoo/{family}-jetnet150", "revision": "main", "license": "mit",
              "files": files}
    return [
        {**common, "tag": "jetnet150", "dataset": "jetnet150",
         "description": f"{what}, one model for JetNet150-like g/q/t/W/Z jets (CPU-trained, see card)"},
    ] + [
        {**common, "tag": f"jetnet150-{label}", "dataset": f"jetnet150-{label}", "metrics": metrics,
         "pinned_conditions": {"type": label},
         "description": f"{what}, JetNet150-like {label} jets (the all-type model with the type pinned; "
                        "CPU-trained, see card)"}
        for label, metrics in sorted(metrics_by_type.items())
    ]


PRETRAINED: list[dict] = _published("pc-droid-cae", FILES, METRICS_BY_TYPE, "PC-Droid CAE diffusion") + (
    _published("pc-droid-cae-cd", CD_FILES, CD_METRICS_BY_TYPE, "PC-Droid CAE, consistency-distilled (1-5 calls)")
    if CD_FILES else []
)
