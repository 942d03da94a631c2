import logging

import torch

from mnist_vae import products
from mnist_vae.pipeline.runtime import start_torch
from mnist_vae.runs.provenance import runtime_records, settings_hash

SETTINGS = {"train": {"epochs": 3, "seed": 0}, "model": {"latent_dim": 2}}


def test_runs_with_equal_settings_have_equal_hashes_whatever_their_names():
    first = {**SETTINGS, "runs": {"first": {}}}
    second = {**SETTINGS, "runs": {"second": {}}}
    assert settings_hash(first) == settings_hash(second)


def test_a_changed_setting_changes_the_hash():
    changed = {**SETTINGS, "train": {"epochs": 4, "seed": 0}}
    assert settings_hash(changed) != settings_hash(SETTINGS)


def test_what_a_job_ran_on_is_read_back_from_its_log_per_rule(tmp_path):
    logs = tmp_path / "logs"
    (logs / "train").mkdir(parents=True)
    (logs / "evaluate_shard" / "run").mkdir(parents=True)
    (logs / "plot_history").mkdir()
    for path in (logs / "train/run.log", logs / "evaluate_shard/run/1-of-2.log"):
        handler = logging.FileHandler(path)
        logger = logging.getLogger("mnist_vae")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        threads = torch.get_num_threads()
        try:
            start_torch(threads)
        finally:
            logger.removeHandler(handler)
            handler.close()
    (logs / "plot_history/run.log").write_text("figure drawn\n")
    records = runtime_records(logs, "run")
    assert set(records) == {"train", "evaluate_shard"}
    for record in records.values():
        assert record["products"] == products.backend()
        assert record["threads"] == torch.get_num_threads()
        assert record["device"] == "cpu"
        assert record["cpu"] == products.cpu_model()
