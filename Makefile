# `make test` is the README's test command and what CI runs: both environments, both suites.
# zoo-vision lives in its own environment because timm brings torchvision, which must stay
# out of the core's (ASSETS.md: the only torchvision for torch 2.13 breaks transformers).

.PHONY: test test-core test-vision

test: test-core test-vision

test-core:
	python3 -m venv .venv
	.venv/bin/pip install -q -c constraints.txt -e '.[dev,onnx]'
	.venv/bin/python -m pytest -q

test-vision:
	python3 -m venv .venv-vision
	.venv-vision/bin/pip install -q -c constraints.txt -e '.[dev]' -e './zoo-vision[dev]'
	.venv-vision/bin/python -m pytest -q zoo-vision
