"""The published EPiC-GAN models: Hub repo, revision, sha256 of every file, card metrics.

Each entry is the content of ``registry/epic-gan/<tag>/`` (the Hub repo's files); every file is
verified against these hashes before use. Regenerate after a release (hepzoo publish --dry-run
prints the hashes).
"""

PRETRAINED: list[dict] = [
    {
        "dataset": "jetnet150-gluon",
        "description": "EPiC-GAN on JetNet150-like gluon jets (CPU-trained, see card)",
        "files": {
            "README.md": "2cb091d0e67d5899742c43563aeeea35a6f55d6de6de302c6b4cf54cb94dda24",
            "config.json": "f461a613a18ea0de91dfaecec21bf07a002d5811f8428b2fae565e6bebddb166",
            "model.safetensors": "40216c369163f5c1a308366945e1a1303b4c392e600e267053a38e1655233b29"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.0017048756613539072,
                "truth": 0.0012189381932692493,
                "value": 0.4374564204877717
            },
            "kpd": {
                "error": 0.0008393072046354328,
                "truth": 1.4356581070629204e-06,
                "value": 0.02644905812717946
            },
            "w1efp": {
                "error": 4.39092799184784e-05,
                "truth": 0.0002615272039637477,
                "value": 0.004028086362735736
            },
            "w1m": {
                "error": 0.00024355911102557295,
                "truth": 0.001793998575514616,
                "value": 0.026680268045020068
            },
            "w1p": {
                "error": 0.00024440412847507307,
                "truth": 0.0014564181272186461,
                "value": 0.07345003462840478
            }
        },
        "repo_id": "hepzoo/epic-gan-jetnet150-gluon",
        "revision": "main",
        "tag": "jetnet150-gluon"
    },
    {
        "dataset": "jetnet150-quark",
        "description": "EPiC-GAN on JetNet150-like quark jets (CPU-trained, see card)",
        "files": {
            "README.md": "9f2c4a8785d3edf75f03f384629f57dbe5385cecb8b6a5d826db924cab7a915c",
            "config.json": "9b91fcc5ea06ed0885014f4076a4820a9f9c45ce72ad1a404a832e46d73c46ff",
            "model.safetensors": "e80f7faf3e8432992ad7d7e3d4f947922a2ea94bdd6cc46caaa42613743961ad"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.016495188271928134,
                "truth": 0.001466123718314707,
                "value": 1.097879356592893
            },
            "kpd": {
                "error": 0.006716381789624731,
                "truth": 2.933207755395628e-05,
                "value": 0.04690002919688285
            },
            "w1efp": {
                "error": 4.11298820644653e-05,
                "truth": 0.0003313735733127504,
                "value": 0.0017142090128907806
            },
            "w1m": {
                "error": 0.0002932475049473696,
                "truth": 0.0038441372072085915,
                "value": 0.015681551250290145
            },
            "w1p": {
                "error": 0.00027549642468880297,
                "truth": 0.002968921880828999,
                "value": 0.0798499070628892
            }
        },
        "repo_id": "hepzoo/epic-gan-jetnet150-quark",
        "revision": "main",
        "tag": "jetnet150-quark"
    },
    {
        "dataset": "jetnet150-top",
        "description": "EPiC-GAN on JetNet150-like top jets (CPU-trained, see card)",
        "files": {
            "README.md": "14b8c0ba1ae152ff4f6f77d34a6f66f61e50c275940fc4caee9e15a1ead41750",
            "config.json": "a24265def00db52787d1e2850e6afbe7d88765328ef5ba53b0ed9949624b49f9",
            "model.safetensors": "13135a22dceef24ae8c1f3275cd28e472a5ddc5acd1b7dd38026fd20ade11ce8"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 3.3875229581765116,
                "truth": 0.000618782185345744,
                "value": 277.270107577508
            },
            "kpd": {
                "error": 1841886.1839247257,
                "truth": -2.397967218792374e-06,
                "value": 4998380.552958269
            },
            "w1efp": {
                "error": 2.7951000862363875e-05,
                "truth": 0.00021708551877974158,
                "value": 0.003096691512141328
            },
            "w1m": {
                "error": 8.847915427642645e-05,
                "truth": 0.0011896979922077487,
                "value": 0.014385415150731773
            },
            "w1p": {
                "error": 0.00018436447080306048,
                "truth": 0.0014385156991766996,
                "value": 0.080912318118825
            }
        },
        "repo_id": "hepzoo/epic-gan-jetnet150-top",
        "revision": "main",
        "tag": "jetnet150-top"
    },
    {
        "dataset": "jetnet30-gluon",
        "description": "EPiC-GAN on JetNet30-like gluon jets (CPU-trained, see card)",
        "files": {
            "README.md": "d5165745e2290b96db9869a8e91ea704b43f4d25a61b40b5a82e62f6dc9cb47f",
            "config.json": "7f61fb78e04a31fa2612b36a1f596e616d772c4d0d42b1fa220ae8400a8af59e",
            "model.safetensors": "8035d8fd9b355155da85bebb333d0b62ac682da412037daa8a6b6fe086d0ec6b"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.0003674392365347709,
                "truth": 0.0005686578399943187,
                "value": 0.008131280869552377
            },
            "kpd": {
                "error": 0.0001479235414885406,
                "truth": 4.0292823120235965e-06,
                "value": 0.0004966572802320712
            },
            "w1efp": {
                "error": 1.2958747186633436e-06,
                "truth": 7.830293846486903e-06,
                "value": 3.491599916823235e-05
            },
            "w1m": {
                "error": 8.605732394295717e-05,
                "truth": 0.0010635556667269537,
                "value": 0.004574863132524637
            },
            "w1p": {
                "components": {
                    "eta_rel": {
                        "error": 0.00013475125041265075,
                        "truth": 0.00041912337783644424,
                        "truth_error": 6.987838752207627e-05,
                        "value": 0.0038579940698362943
                    },
                    "phi_rel": {
                        "error": 0.00010467285667700335,
                        "truth": 0.00105624680579179,
                        "truth_error": 0.00016099571810469207,
                        "value": 0.0044234612757218855
                    },
                    "pt_rel": {
                        "error": 2.473263435917949e-05,
                        "truth": 0.00026429112818019144,
                        "truth_error": 5.297703502899731e-05,
                        "value": 0.0002912823909080294
                    }
                },
                "error": 9.954230192074499e-05,
                "truth": 0.0005798871039361418,
                "value": 0.002857579245488736
            }
        },
        "repo_id": "hepzoo/epic-gan-jetnet30-gluon",
        "revision": "main",
        "tag": "jetnet30-gluon"
    },
    {
        "dataset": "jetnet30-quark",
        "description": "EPiC-GAN on JetNet30-like light-quark jets (CPU-trained, see card)",
        "files": {
            "README.md": "e7e5c51f0cb2c1e967afcea5ab1010e80d97cae2a7e58f3cb84e3377a279ec3c",
            "config.json": "5f850049d375b69d43bea1d43c6d3678e979b4bf09bfd71263ecdd9a80459283",
            "model.safetensors": "8507f640a9440b396d6d94a9a1c7eea8ed0c90f029d9091f53ca1b3c92500774"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.000546074778913823,
                "truth": 0.0003911631793383704,
                "value": 0.02936625904312733
            },
            "kpd": {
                "error": 3.0472923664724705e-05,
                "truth": 1.2244096123659176e-06,
                "value": 0.0001844992394595124
            },
            "w1efp": {
                "error": 5.565202784418533e-07,
                "truth": 4.77699653332817e-06,
                "value": 3.3325946929553694e-05
            },
            "w1m": {
                "error": 0.0001052362173535985,
                "truth": 0.0007127354630876902,
                "value": 0.004251527617723761
            },
            "w1p": {
                "components": {
                    "eta_rel": {
                        "error": 0.00017791817548109572,
                        "truth": 0.0010586031503236361,
                        "truth_error": 0.00016642101656606505,
                        "value": 0.0028879300894108376
                    },
                    "phi_rel": {
                        "error": 0.00012730112777490559,
                        "truth": 0.001266741854834904,
                        "truth_error": 0.00019083151092775437,
                        "value": 0.002481107730112794
                    },
                    "pt_rel": {
                        "error": 2.2766274077284294e-05,
                        "truth": 0.0004378936896810112,
                        "truth_error": 4.2518561560024496e-05,
                        "value": 0.0011279624352157327
                    }
                },
                "error": 0.0001269891826556457,
                "truth": 0.0009210795649465171,
                "value": 0.002165666751579788
            }
        },
        "repo_id": "hepzoo/epic-gan-jetnet30-quark",
        "revision": "main",
        "tag": "jetnet30-quark"
    },
    {
        "dataset": "jetnet30-top",
        "description": "EPiC-GAN on JetNet30-like top jets (CPU-trained, see card)",
        "files": {
            "README.md": "3725d5d2771a50f7b9a14f95cee45881efb44edb9aa68cf53cbb4d278e2b6f72",
            "config.json": "0e163ca0216540e652b658d076a144d699b042579825b9a96a94d0e0e5b889f2",
            "model.safetensors": "d801244ed795cec033bb68f00ee427b3347e622ae59e744c58e4f7737b78cbd0"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.00014109507861315713,
                "truth": 0.0001909360230038765,
                "value": 0.004071847052849242
            },
            "kpd": {
                "error": 0.00028383414315387196,
                "truth": -6.464683548923489e-06,
                "value": 0.0004904896537294423
            },
            "w1efp": {
                "error": 2.585065613566299e-06,
                "truth": 1.007757917829299e-05,
                "value": 6.77603674604488e-05
            },
            "w1m": {
                "error": 4.676317516506459e-05,
                "truth": 0.0004822000381159854,
                "value": 0.0021513294289611734
            },
            "w1p": {
                "components": {
                    "eta_rel": {
                        "error": 0.00016795876553145586,
                        "truth": 0.0011609720214038565,
                        "truth_error": 0.00012990114239313038,
                        "value": 0.002453461247541289
                    },
                    "phi_rel": {
                        "error": 0.00017352851311042234,
                        "truth": 0.0015589552930840094,
                        "truth_error": 0.00011880750139560581,
                        "value": 0.002058776100927487
                    },
                    "pt_rel": {
                        "error": 4.478108307122493e-05,
                        "truth": 0.00019457720491113217,
                        "truth_error": 3.15174149178756e-05,
                        "value": 0.0009355874463901322
                    }
                },
                "error": 0.0001418069546745346,
                "truth": 0.0009715015064663328,
                "value": 0.0018159415982863028
            }
        },
        "repo_id": "hepzoo/epic-gan-jetnet30-top",
        "revision": "main",
        "tag": "jetnet30-top"
    }
]
