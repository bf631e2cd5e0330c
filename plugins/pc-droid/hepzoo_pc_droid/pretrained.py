"""The published PC-Droid models (none yet): Hub repo, revision, sha256 of every file, card metrics.

An all-type model is published once (``pc-droid-cae/jetnet150``) and once per jet type with the
same files and the type pinned, e.g. ``{"family": "pc-droid-cae", "tag": "jetnet150-top",
"pinned_conditions": {"type": "top"}, ...}`` (``PretrainedEntry.pinned_conditions``).
"""

PRETRAINED: list[dict] = []
