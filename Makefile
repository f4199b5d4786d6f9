# `make test` is the README's test command and what CI runs: both environments, both suites.
# zoo-vision lives in its own environment because timm brings torchvision, which must stay
# out of the core's (ASSETS.md: the only torchvision for torch 2.13 breaks transformers).

.PHONY: test test-core test-vision

test: test-core test-vision

# The strict editable install links the three folders' files into one `zoo` tree that the
# type checker can read (the default editable install maps them with an import hook); a new
# module is linked in by the next `make test`.
EDITABLE = --config-settings editable_mode=strict

test-core:
	python3 -m venv .venv
	.venv/bin/pip install -q -c constraints.txt $(EDITABLE) -e '.[dev,onnx,serve,tensorboard,mlflow,sentence,fewshot]'
	.venv/bin/mypy -p zoo
	.venv/bin/python -m pytest -q

test-vision:
	python3 -m venv .venv-vision
	.venv-vision/bin/pip install -q -c constraints.txt $(EDITABLE) -e '.[dev,onnx,serve]' -e './zoo-vision[dev]'
	.venv-vision/bin/mypy -p zoo_vision
	.venv-vision/bin/python -m pytest -q zoo-vision
