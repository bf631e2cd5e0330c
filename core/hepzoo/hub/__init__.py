"""Model folders on disk and on the Hugging Face Hub: save, load strictly, verify, card, publish."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "save_pretrained": "hepzoo.hub.local",
    "load_pretrained": "hepzoo.hub.local",
    "load_state_strict": "hepzoo.hub.local",
    "CONFIG_NAME": "hepzoo.hub.local",
    "WEIGHTS_NAME": "hepzoo.hub.local",
    "CARD_NAME": "hepzoo.hub.local",
    "ModelCard": "hepzoo.hub.card",
    "parse_front_matter": "hepzoo.hub.card",
    "card_metrics": "hepzoo.hub.card",
    "read_checkpoint": "hepzoo.hub.checkpoint",
    "sha256_file": "hepzoo.hub.integrity",
    "git_blob_sha1": "hepzoo.hub.integrity",
    "verify_file": "hepzoo.hub.integrity",
    "ModelRef": "hepzoo.hub.resolve",
    "parse_model_id": "hepzoo.hub.resolve",
    "fetch_pretrained": "hepzoo.hub.resolve",
    "fetch_hf_repo": "hepzoo.hub.resolve",
    "registry_snippet": "hepzoo.hub.publish",
    "release_card": "hepzoo.hub.release",
    "metrics_table": "hepzoo.hub.release",
    "release_by_condition": "hepzoo.hub.condition_release",
    "pretrained_entries": "hepzoo.hub.publish",
    "parse_fidelity": "hepzoo.hub.fidelity",
    "measure_fidelity": "hepzoo.hub.fidelity",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
