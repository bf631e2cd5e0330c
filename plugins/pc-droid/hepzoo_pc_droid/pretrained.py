"""The published PC-Droid models: Hub repo, revision, sha256 of every file, card metrics.

An all-type model is published once (``pc-droid-cae/jetnet150``) and once per jet type with the
same files and the type pinned, e.g. ``{"family": "pc-droid-cae", "tag": "jetnet150-top",
"pinned_conditions": {"type": "top"}, ...}`` (``PretrainedEntry.pinned_conditions``).
"""

# One repo, one set of files: the all-type id and each per-type id (the type pinned) share them.
FILES = {
    "README.md": "0e82522be8d74022a76f5d141189c8589cfa39103adc17d00d434d760efd7de7",
    "config.json": "19dc6bd83abfe826025885af07f5f687d566b3f70d7a60e653a2d9603759d22d",
    "model.safetensors": "56ba9a60b6aa8947fe2ff8160f6dd8a1dec97e12f0f0990048bbb57b7ee79401"
}

# Each type's card metrics (the card's section for that type, 10,000 held-out jets).
METRICS_BY_TYPE = {
    "gluon": {
        "fpd": {
            "error": 0.00037065102385922064,
            "truth": 0.0004877715663675093,
            "value": 0.004956664669041421
        },
        "kpd": {
            "error": 0.00010643163098811819,
            "truth": 9.675344941895148e-06,
            "value": 0.00012856899360946805
        },
        "w1efp": {
            "error": 4.917694653060569e-06,
            "truth": 2.1463131302804473e-05,
            "value": 4.673904157768404e-05
        },
        "w1m": {
            "error": 0.0001857065210007131,
            "truth": 0.001412548293776281,
            "value": 0.0016866756566167429
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.00016921884321515837,
                    "truth": 0.00036492059185777814,
                    "truth_error": 7.859840126240078e-05,
                    "value": 0.0008384212420375252
                },
                "phi_rel": {
                    "error": 0.0001299741762015904,
                    "truth": 0.001285002838542183,
                    "truth_error": 0.00012382307505883375,
                    "value": 0.001379245225196508
                },
                "pt_rel": {
                    "error": 2.409499922124314e-05,
                    "truth": 0.00012031072103401294,
                    "truth_error": 2.688126892988265e-05,
                    "value": 0.0001462648050183533
                }
            },
            "error": 0.0001239742881485648,
            "truth": 0.0005900780504779914,
            "value": 0.0007879770907507955
        }
    },
    "quark": {
        "fpd": {
            "error": 0.0001538655140716896,
            "truth": 0.0004442419201813026,
            "value": 0.001785363286744207
        },
        "kpd": {
            "error": 1.1171680985708255e-05,
            "truth": -3.614920762728957e-07,
            "value": 3.291410275441109e-06
        },
        "w1efp": {
            "error": 2.4237153895741405e-06,
            "truth": 1.0443407329323955e-05,
            "value": 1.4497283417567534e-05
        },
        "w1m": {
            "error": 0.00020047150442653234,
            "truth": 0.0007632057087359524,
            "value": 0.0017832705060688513
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.00010515808091304303,
                    "truth": 0.0009486981278586926,
                    "truth_error": 0.00013092502030870404,
                    "value": 0.0007642381888189123
                },
                "phi_rel": {
                    "error": 0.00013613425029240033,
                    "truth": 0.0008885905009821546,
                    "truth_error": 0.0001623779119929338,
                    "value": 0.0007791509983794122
                },
                "pt_rel": {
                    "error": 1.7912657713952153e-05,
                    "truth": 0.0002751981078203471,
                    "truth_error": 3.0330272836889694e-05,
                    "value": 0.00022129275381735773
                }
            },
            "error": 9.985259033589665e-05,
            "truth": 0.0007041622455537315,
            "value": 0.0005882273136718941
        }
    },
    "top": {
        "fpd": {
            "error": 0.00014445424075622908,
            "truth": 0.0004337228663707013,
            "value": 0.005000736713250407
        },
        "kpd": {
            "error": 8.889221696130461e-05,
            "truth": 3.933576163017705e-06,
            "value": 0.00010398856577942261
        },
        "w1efp": {
            "error": 3.898369105894033e-06,
            "truth": 2.2046288070688887e-05,
            "value": 0.0001216939206978934
        },
        "w1m": {
            "error": 0.0002248605710933869,
            "truth": 0.000587693419693513,
            "value": 0.0031358664579226618
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 6.697844017504453e-05,
                    "truth": 0.0008913267930871568,
                    "truth_error": 0.00015806802324034555,
                    "value": 0.0016873867015092196
                },
                "phi_rel": {
                    "error": 0.000141657528850838,
                    "truth": 0.0011493964554073605,
                    "truth_error": 0.00010820526986061213,
                    "value": 0.0016689240124075373
                },
                "pt_rel": {
                    "error": 1.0133997081157186e-05,
                    "truth": 0.00013194406659417486,
                    "truth_error": 3.141895807299356e-05,
                    "value": 0.00011405591317928012
                }
            },
            "error": 9.065624601619924e-05,
            "truth": 0.0007242224383628974,
            "value": 0.001156788875698679
        }
    },
    "w": {
        "fpd": {
            "error": 0.00027885471185446696,
            "truth": 0.0013737435526539523,
            "value": 0.0025130554137477376
        },
        "kpd": {
            "error": 2.5827675880538628e-05,
            "truth": 7.676762877384391e-06,
            "value": 5.947008272455534e-05
        },
        "w1efp": {
            "error": 1.0770319732074075e-06,
            "truth": 1.1545647523811687e-05,
            "value": 2.8953061526691482e-05
        },
        "w1m": {
            "error": 5.490556152042216e-05,
            "truth": 0.0007413293705612944,
            "value": 0.004168556006875509
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 5.9974994435220515e-05,
                    "truth": 0.0007872597325368583,
                    "truth_error": 0.00010036092839984993,
                    "value": 0.0030502030550551376
                },
                "phi_rel": {
                    "error": 7.937479723206102e-05,
                    "truth": 0.0013038794047177818,
                    "truth_error": 0.00014583609164665212,
                    "value": 0.0027661304227202766
                },
                "pt_rel": {
                    "error": 2.5022687278991156e-05,
                    "truth": 0.0003625916734334495,
                    "truth_error": 2.4882275626187733e-05,
                    "value": 0.0003787268406103567
                }
            },
            "error": 5.9226945646379905e-05,
            "truth": 0.0008179102702293631,
            "value": 0.0020650201061285906
        }
    },
    "z": {
        "fpd": {
            "error": 0.00012172407830773415,
            "truth": 0.0003850144890739305,
            "value": 0.0013016031035392754
        },
        "kpd": {
            "error": 1.5004594931513625e-05,
            "truth": -2.5685579934098257e-06,
            "value": 3.2538001505155734e-05
        },
        "w1efp": {
            "error": 8.908307321188117e-07,
            "truth": 5.116258754639996e-06,
            "value": 2.9174956954661342e-05
        },
        "w1m": {
            "error": 5.893337334211166e-05,
            "truth": 0.0004471790384026715,
            "value": 0.003959984381407414
        },
        "w1p": {
            "components": {
                "eta_rel": {
                    "error": 0.00010457302021228127,
                    "truth": 0.0006592187384470731,
                    "truth_error": 5.5452117798900006e-05,
                    "value": 0.0021744947815887923
                },
                "phi_rel": {
                    "error": 8.962908316969989e-05,
                    "truth": 0.0013016043479341735,
                    "truth_error": 0.00023724679551088233,
                    "value": 0.0018783476792035496
                },
                "pt_rel": {
                    "error": 3.090864611336844e-05,
                    "truth": 0.0001195137023944245,
                    "truth_error": 2.484804710141768e-05,
                    "value": 0.00033453816818820685
                }
            },
            "error": 8.149485364267e-05,
            "truth": 0.000693445596258557,
            "value": 0.001462460209660183
        }
    }
}

_COMMON = {"family": "pc-droid-cae", "repo_id": "hepzoo/pc-droid-cae-jetnet150", "revision": "main", "license": "mit",
           "files": FILES}

PRETRAINED: list[dict] = [
    {**_COMMON, "tag": "jetnet150", "dataset": "jetnet150",
     "description": "PC-Droid CAE, one diffusion model for JetNet150-like g/q/t/W/Z jets (CPU-trained, see card)"},
] + [
    {**_COMMON, "tag": f"jetnet150-{label}", "dataset": f"jetnet150-{label}", "metrics": metrics,
     "pinned_conditions": {"type": label},
     "description": f"PC-Droid CAE, JetNet150-like {label} jets (the all-type model with the type pinned; CPU-trained, see card)"}
    for label, metrics in sorted(METRICS_BY_TYPE.items())
]
