"""The published MDMA models: Hub repo, revision, sha256 of every file, card metrics.

Each entry is the content of ``registry/<family>/<tag>/`` (the Hub repo's files); every file is
verified against these hashes before use. Regenerate after a release (hepzoo publish --dry-run
prints the hashes).
"""

PRETRAINED: list[dict] = [
    {
        "dataset": "jetnet150-top",
        "description": "MDMA GAN on JetNet150-like top jets: a CPU-budget baseline that misses the top mass peak (see card)",
        "family": "mdma",
        "files": {
            "README.md": "8e5c1a4ca502f216d869bdc7063f88e00d56633a6ff8216106d5c95f4a6aaa18",
            "config.json": "1917064e9d02937324705e790449c135147c97f8faa820edf9ef88a19d6fd44f",
            "model.safetensors": "31f820a7bb6907ab1aab51ca5fc5107834ed185dc79efb0fbb53cdd59d6451ac"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.0007565830715323743,
                "truth": 0.0004337228663707013,
                "value": 0.07415210528667757
            },
            "kpd": {
                "error": 0.0005248687239429641,
                "truth": 3.933576163017705e-06,
                "value": 0.005385907188580674
            },
            "w1efp": {
                "error": 4.87917305785259e-06,
                "truth": 2.2046288070688887e-05,
                "value": 0.0003037679265606432
            },
            "w1m": {
                "error": 0.00015630315046627252,
                "truth": 0.000587693419693513,
                "value": 0.009601717727809532
            },
            "w1p": {
                "components": {
                    "eta_rel": {
                        "error": 5.341011662745069e-05,
                        "truth": 0.0008913267930871568,
                        "truth_error": 0.00015806802324034555,
                        "value": 0.0065356587158605945
                    },
                    "phi_rel": {
                        "error": 0.00011669918469503104,
                        "truth": 0.0011493964554073605,
                        "truth_error": 0.00010820526986061213,
                        "value": 0.01763297598300312
                    },
                    "pt_rel": {
                        "error": 3.4414630172119492e-06,
                        "truth": 0.00013194406659417486,
                        "truth_error": 3.141895807299356e-05,
                        "value": 0.0013367678594138296
                    }
                },
                "error": 7.412418394006482e-05,
                "truth": 0.0007242224383628974,
                "value": 0.008501800852759181
            }
        },
        "repo_id": "hepzoo/mdma-jetnet150-top",
        "revision": "main",
        "tag": "jetnet150-top"
    },
    {
        "dataset": "jetnet150-top",
        "description": "MDMA-FM on JetNet150-like top jets: a CPU-budget baseline (128 x 6 blocks) that misses the top mass peak (see card)",
        "family": "mdma-fm",
        "files": {
            "README.md": "e81cf4cf940d3bd7fec3c3f80a4cb9a6c0fa3e5369a2718ec06c5ae2d9db63c7",
            "config.json": "02df7627c9d459d0a6210f2969186826466ba57fc556d0a539327f2e63dd5eea",
            "model.safetensors": "96530dbf67e18940ff08e83e32e5baf208dd3b0305be596ef46defcda8723c2e"
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.0003028623989300791,
                "truth": 0.0004337228663707013,
                "value": 0.028208582498868484
            },
            "kpd": {
                "error": 9.232080695079634e-05,
                "truth": 3.933576163017705e-06,
                "value": 0.0013834772265723938
            },
            "w1efp": {
                "error": 3.1951353441509963e-06,
                "truth": 2.2046288070688887e-05,
                "value": 0.00031320862269132975
            },
            "w1m": {
                "error": 0.00011650627829805356,
                "truth": 0.000587693419693513,
                "value": 0.009494206162870125
            },
            "w1p": {
                "components": {
                    "eta_rel": {
                        "error": 0.00011786902867388291,
                        "truth": 0.0008913267930871568,
                        "truth_error": 0.00015806802324034555,
                        "value": 0.002752968213476688
                    },
                    "phi_rel": {
                        "error": 5.476178339041447e-05,
                        "truth": 0.0011493964554073605,
                        "truth_error": 0.00010820526986061213,
                        "value": 0.0026515102518279536
                    },
                    "pt_rel": {
                        "error": 5.661284618232802e-06,
                        "truth": 0.00013194406659417486,
                        "truth_error": 3.141895807299356e-05,
                        "value": 0.00023630100050023992
                    }
                },
                "error": 7.510883433203656e-05,
                "truth": 0.0007242224383628974,
                "value": 0.0018802598219349604
            }
        },
        "repo_id": "hepzoo/mdma-fm-jetnet150-top",
        "revision": "main",
        "tag": "jetnet150-top"
    }
]
