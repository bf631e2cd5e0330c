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
            "README.md": "9842bdfa4e33da3f19b33a08955f90fb7638309b4c7aba2d1ab16c544ecfe448",
            "config.json": "f461a613a18ea0de91dfaecec21bf07a002d5811f8428b2fae565e6bebddb166",
            "model.safetensors": "c3547ac505f7f6eed565f71936cf6bb8087ba31b14404f72390a48114b063b24",
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.0018333382584910247,
                "truth": 0.0010048212487663152,
                "value": 0.46528513414238964,
            },
            "kpd": {
                "error": 0.0008169089983664259,
                "truth": 1.5150944256081544e-05,
                "value": 0.027177758388676754,
            },
            "w1efp": {
                "error": 2.9674843282215268e-05,
                "truth": 0.0006466449847037193,
                "value": 0.004906571163262712,
            },
            "w1m": {
                "error": 0.0001274589652094734,
                "truth": 0.004381974109597143,
                "value": 0.0271789012199526,
            },
            "w1p": {
                "error": 0.00010400325459603871,
                "truth": 0.002393484679464727,
                "value": 0.08953957793060724,
            },
        },
        "repo_id": "hepzoo/epic-gan-jetnet150-gluon",
        "revision": "main",
        "tag": "jetnet150-gluon",
    },
    {
        "dataset": "jetnet150-quark",
        "description": "EPiC-GAN on JetNet150-like quark jets (CPU-trained, see card)",
        "files": {
            "README.md": "accd8fbf067f6083c7e1a90e4b9ec9bf159030e7840abf7e5d1dc0ae270f1b1b",
            "config.json": "9b91fcc5ea06ed0885014f4076a4820a9f9c45ce72ad1a404a832e46d73c46ff",
            "model.safetensors": "0fee2d3ca2c737dc76a8d9d090b3c8a180bd0a2b351d2e6e36cbff6eb209b250",
        },
        "license": "mit",
        "metrics": {
            "fpd": {
                "error": 0.014059944890212589,
                "truth": 0.0028893836511732977,
                "value": 0.9813282158155227,
            },
            "kpd": {
                "error": 0.004148981417636293,
                "truth": 2.384746135453142e-05,
                "value": 0.03709975481032601,
            },
            "w1efp": {
                "error": 1.6473831804717163e-05,
                "truth": 0.00030994028076756645,
                "value": 0.0017385641072890593,
            },
            "w1m": {
                "error": 0.00011721850643342574,
                "truth": 0.002649576607099923,
                "value": 0.012814002729400174,
            },
            "w1p": {
                "error": 8.996131417360137e-05,
                "truth": 0.002485712098178995,
                "value": 0.09712135346806265,
            },
        },
        "repo_id": "hepzoo/epic-gan-jetnet150-quark",
        "revision": "main",
        "tag": "jetnet150-quark",
    },
    {
        "dataset": "jetnet150-top",
        "description": "EPiC-GAN on JetNet150-like top jets (CPU-trained, see card)",
        "files": {
            "README.md": "aabd5ad81730dc39e372607a93c7b224ce3ff26ef604c8a3150ccd3ec10a2860",
            "config.json": "a24265def00db52787d1e2850e6afbe7d88765328ef5ba53b0ed9949624b49f9",
            "model.safetensors": "a77dd1dbc84eeeb83ec201bb11ae305fca25e78d536c96e9a98c86f2be3e1d0e",
        },
        "license": "mit",
        "metrics": {
            "fpd": {"error": 2.593307315541055, "truth": 0.0047357544773690054, "value": 236.8577402324221},
            "kpd": {"error": 990054.9407373179, "truth": 6.493560381626295e-05, "value": 2688490.7102381475},
            "w1efp": {
                "error": 3.63108633037201e-05,
                "truth": 0.00047054652410793475,
                "value": 0.002602967988565468,
            },
            "w1m": {
                "error": 8.152323271474319e-05,
                "truth": 0.0016588235595441166,
                "value": 0.015439878438431545,
            },
            "w1p": {
                "error": 0.00011291175463416685,
                "truth": 0.001555725004204656,
                "value": 0.09782827039572721,
            },
        },
        "repo_id": "hepzoo/epic-gan-jetnet150-top",
        "revision": "main",
        "tag": "jetnet150-top",
    },
]
