"""A third-party domain and a third-party strategy, each a real plugin distribution written only
against the documented API (docs/engine.md, docs/plugins.md), adapted end to end through the CLI;
a strategy needing a capability a domain lacks is refused with one line, exit 2, before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file

from engine_tiny import catalog_entry, sentiment, sentiment_csv
from zoo.integrity import sha256_file

#: A domain for texts read as byte histograms by a two-layer network: nothing of transformers.
#: It implements the required base and no capability.
BYTES_PLUGIN = '''
import json
from pathlib import Path

import zoo
from zoo.components import Domain


class BytesDomain(Domain):
    name = "bytes"
    description = "Texts as byte histograms, for a tiny MLP"

    def load_preprocessor(self, path, *, entry=None, config=None):
        return json.loads((Path(path) / "config.json").read_text())

    def build_model(self, path, head, labels, *, entry=None, config=None):
        import torch
        from safetensors.torch import load_file

        width = json.loads((Path(path) / "config.json").read_text())["width"]
        model = torch.nn.Sequential(torch.nn.Linear(256, width), torch.nn.Tanh(),
                                    torch.nn.Linear(width, head.num_outputs(labels)))
        pretrained = load_file(str(Path(path) / "model.safetensors"))
        model[0].load_state_dict({"weight": pretrained["encoder.weight"],
                                  "bias": pretrained["encoder.bias"]})
        return model

    def encode(self, preprocessor, inputs, labels, head, max_length):
        features = []
        for i, text in enumerate(inputs):
            counts = [0.0] * 256
            for byte in text.encode()[:max_length]:
                counts[byte] += 1.0
            feature = {"counts": counts}
            if labels is not None:
                feature["label"] = labels[i]
            features.append(feature)
        return features

    def length(self, feature):
        return 1

    def collate(self, preprocessor, features, training=False):
        import torch

        return {"counts": torch.tensor([f["counts"] for f in features])}

    def logits(self, model, batch):
        return model(batch["counts"])

    def save(self, model, preprocessor, path):
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(Path(path) / "model.safetensors"))
        (Path(path) / "config.json").write_text(json.dumps(
            {**preprocessor, "outputs": model[2].out_features}))

    def load_run(self, path, head):
        import torch
        from safetensors.torch import load_file

        config = json.loads((Path(path) / "config.json").read_text())
        model = torch.nn.Sequential(torch.nn.Linear(256, config["width"]), torch.nn.Tanh(),
                                    torch.nn.Linear(config["width"], config["outputs"]))
        model.load_state_dict(load_file(str(Path(path) / "model.safetensors")))
        return model.eval(), config

    def loading_code(self, head, fmt):
        return "from zoo_bytes import BytesDomain  # a torch.nn.Sequential in model.safetensors"


@zoo.hookimpl
def register_domains(register):
    register(BytesDomain())


@zoo.hookimpl
def register_tasks(register):
    register(zoo.Task(name="byte-sentiment", domain="bytes", head="classification",
                      description="Sentiment from byte counts (your own --data)"))
'''

#: BitFit (Ben Zaken et al. 2022): only the backbone's biases train, with the task head. It
#: finds the backbone through the LayerAccess capability, which it declares it requires.
BITFIT_PLUGIN = '''
from dataclasses import dataclass

import zoo
from zoo.capabilities import LayerAccess
from zoo.components import Strategy


@dataclass(frozen=True)
class BitFitConfig:
    """Nothing to configure."""


class BitFit(Strategy):
    name = "bitfit"
    description = "Train the backbone's biases and the head only (BitFit)"
    config_class = BitFitConfig
    lr = 1e-3
    epochs = 2

    def requires(self, config):
        return (LayerAccess,)

    def prepare(self, model, domain, config, head):
        backbone = {id(p) for p in domain.backbone_module(model).parameters()}
        for name, p in model.named_parameters():
            p.requires_grad_(id(p) not in backbone or name.endswith(".bias"))
        return model


@zoo.hookimpl
def register_strategies(register):
    register(BitFit())
'''


@pytest.fixture
def bytes_backbone(zoo_env, make_plugin, tmp_path):
    """The bytes plugin installed and a backbone of its domain in the catalog (a pretrained
    first layer, random here)."""
    import torch
    from safetensors.torch import save_file

    make_plugin("zoo-bytes", BYTES_PLUGIN)
    folder = tmp_path / "byte-mlp"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"width": 16}))
    torch.manual_seed(0)
    layer = torch.nn.Linear(256, 16)
    save_file({"encoder.weight": layer.weight.detach(), "encoder.bias": layer.bias.detach()},
              str(folder / "model.safetensors"))
    files = ", ".join(f'{{ path = "{name}", sha256 = "{sha256_file(folder / name)}" }}'
                      for name in ("config.json", "model.safetensors"))
    zoo_env.add_catalog(f'''
[backbones.byte-mlp]
repo = "acme/byte-mlp"
domain = "bytes"
architecture = "ByteMLP"
license = "mit"
files = [{files}]
sources = [{{ type = "local", path = "{folder.as_posix()}" }}]
''')
    return folder


def test_a_third_party_domain_adapts_evaluates_and_predicts(bytes_backbone, zoo_cli, tmp_path):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(200, 1))
    out = tmp_path / "run"
    done = zoo_cli("adapt", "byte-mlp", "--task", "byte-sentiment", "--data", str(data),
                   "--output", str(out), "--epochs", "3", "--lr", "1e-2", "--no-progress",
                   "--no-bf16", "--json")
    assert done.exit_code == 0, done.output
    run = json.loads((out / "run.json").read_text())
    assert (run["domain"], run["strategy"]["name"], run["entry"]) == ("bytes", "full", "byte-mlp")
    assert set(load_file(str(out / "model.safetensors"))) == {"0.weight", "0.bias", "2.weight",
                                                              "2.bias"}
    assert "zoo_bytes" in (out / "README.md").read_text()  # the domain's loading code

    evaluated = zoo_cli("eval", str(out), "--data", str(data), "--json")
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["examples"] == run["data"]["rows"]["test"]  # its own data
    assert json.loads(evaluated.stdout)["metrics"]["accuracy"] > 0.75  # it learned

    predicted = zoo_cli("predict", str(out), "a great film", "an awful film", "--json")
    assert predicted.exit_code == 0, predicted.output
    labels = [p["label"] for p in json.loads(predicted.stdout)]
    assert len(labels) == 2 and set(labels) <= {"negative", "positive"}


@pytest.mark.parametrize("strategy, capability", [
    ("lora", "LoRA support (zoo.capabilities.LoraSupport)"),
    ("freeze", "access to its layers (zoo.capabilities.LayerAccess) and cached backbone "
               "features (zoo.capabilities.FeatureCache)"),
    ("distill", None),
])
def test_a_strategy_the_domain_cannot_serve_is_one_line_before_any_work(
        bytes_backbone, zoo_cli, tmp_path, strategy, capability):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(40, 1))
    out = tmp_path / "run"
    done = zoo_cli("adapt", "byte-mlp", "--task", "byte-sentiment", "--data", str(data),
                   "--strategy", strategy, "--output", str(out), "--no-progress")
    assert done.exit_code == 2, done.output
    message = done.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in done.output
    if capability is None:  # distill names its domains
        assert "works on text tasks only" in message
    else:
        assert f"strategy {strategy!r} needs a domain with {capability}" in message
        assert "the bytes domain does not have; choose another --strategy" in message
    assert not any(p.name.startswith((".run", "run")) for p in tmp_path.iterdir())


def test_a_third_party_strategy_trains_only_what_it_chose(snapshot, zoo_env, make_plugin,
                                                          zoo_cli, tmp_path):
    make_plugin("zoo-bitfit", BITFIT_PLUGIN)
    zoo_env.add_catalog(catalog_entry(snapshot))
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(120, 2))
    out = tmp_path / "run"
    done = zoo_cli("adapt", "tiny-bert", "--task", "classify", "--data", str(data),
                   "--strategy", "bitfit", "--output", str(out), "--epochs", "1",
                   "--no-progress", "--no-bf16")
    assert done.exit_code == 0, done.output
    run = json.loads((out / "run.json").read_text())
    assert run["strategy"]["name"] == "bitfit" and run["train"]["lr"] == 1e-3  # its default
    base = load_file(str(snapshot / "model.safetensors"))
    trained = load_file(str(out / "model.safetensors"))
    changed = {name for name, value in base.items()
               if not bool((trained["bert." + name] == value).all())}
    assert changed and all(name.endswith(".bias") for name in changed)
    assert any(name.startswith("classifier.") for name in trained)


def test_a_third_party_strategy_is_refused_on_a_domain_without_its_capability(
        bytes_backbone, make_plugin, zoo_cli, tmp_path):
    make_plugin("zoo-bitfit", BITFIT_PLUGIN)
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(40, 1))
    done = zoo_cli("adapt", "byte-mlp", "--task", "byte-sentiment", "--data", str(data),
                   "--strategy", "bitfit", "--output", str(tmp_path / "run"), "--no-progress")
    assert done.exit_code == 2, done.output
    assert done.stderr.strip() == (
        "Error: strategy 'bitfit' needs a domain with access to its layers "
        "(zoo.capabilities.LayerAccess), which the bytes domain does not have; choose another "
        "--strategy")
