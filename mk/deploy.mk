# Build and deploy the Lambda with SAM, without Docker and without a local python3.12.
#
#   make build    sam build (BuildMethod: makefile -> build-ConnectorFunction below)
#   make deploy   sam deploy; --guided on first use (answers kept in samconfig.local.toml)
#   make delete   sam delete of that stack (README "Tear down": flows and profiles first)
#   make lint-template   cfn-lint (+ serverless rules), sam validate --lint and checkov
#   make deploy-policy STACK_NAME=...   the deploying principal's IAM policy for that stack
#
# SAM CLI pins boto3/botocore versions that conflict with the project's exact pins,
# so it lives in its own tool venv, .venv-sam/, locked by mk/sam-constraints.txt.
# checkov pins another boto3 exactly (==1.35.49), which SAM CLI's pins contradict: its own tool
# venv, .venv-checkov/, locked by mk/checkov-constraints.txt.

# Absolute and exported: tests find sam there, and the make that `sam build` starts builds with
# this venv's pip even from a scratch copy of the sources.
export SAM_VENV ?= $(abspath .venv-sam)
SAM_BIN         := $(SAM_VENV)/bin
SAM_STAMP       := $(SAM_VENV)/.installed
SAM_CONSTRAINTS := mk/sam-constraints.txt
export SAM_CLI  := $(SAM_BIN)/sam
CFN_LINT        := $(SAM_BIN)/cfn-lint
export CHECKOV_VENV ?= $(abspath .venv-checkov)
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed
CHECKOV_CONSTRAINTS := mk/checkov-constraints.txt
# Exported: tests/test_template.py runs the same checkov.
export CHECKOV  := $(CHECKOV_VENV)/bin/checkov
# No telemetry calls home from builds, tests or CI.
export SAM_CLI_TELEMETRY ?= 0

DEPLOY_CONFIG ?= samconfig.local.toml

.PHONY: sam-tools checkov-tools lint-template build deploy delete deploy-policy build-ConnectorFunction pyc-python \
    bench-cold-start

$(SAM_STAMP): $(SAM_CONSTRAINTS)
	rm -rf $(SAM_VENV)
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_BIN)/python -m pip install --quiet --upgrade pip
	$(SAM_BIN)/python -m pip install --quiet -c $(SAM_CONSTRAINTS) aws-sam-cli cfn-lint cfn-lint-serverless
	touch $@

sam-tools: $(SAM_STAMP)

$(CHECKOV_STAMP): $(CHECKOV_CONSTRAINTS)
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c $(CHECKOV_CONSTRAINTS) checkov
	touch $@

checkov-tools: $(CHECKOV_STAMP)

# Offline: cfn-lint reads .cfnlintrc.yaml (which appends cfn-lint-serverless's rules), checkov
# reads .checkov.yaml (no guideline download). checkov fails on any finding not skipped, with its
# reason, in the resource's Metadata.
lint-template: $(SAM_STAMP) $(CHECKOV_STAMP)
	$(CFN_LINT) template.yaml
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(SAM_CLI) validate --lint --template-file template.yaml
	$(CHECKOV) --file template.yaml --quiet

# samconfig.toml sets build_in_source: no copy of the work tree (and its venvs) to a scratch dir.
build: $(SAM_STAMP)
	$(SAM_CLI) build

# First use: `sam deploy --guided` starting from samconfig.toml's defaults, answers saved in
# $(DEPLOY_CONFIG) (gitignored: it holds your VPC, subnets and account's choices).
deploy: build
	@if [ -f $(DEPLOY_CONFIG) ]; then \
	  echo "$(SAM_CLI) deploy --config-file $(DEPLOY_CONFIG)"; \
	  $(SAM_CLI) deploy --config-file $(DEPLOY_CONFIG); \
	else \
	  cp samconfig.toml $(DEPLOY_CONFIG); \
	  echo "First deploy: sam deploy --guided (answers are saved in $(DEPLOY_CONFIG))"; \
	  $(SAM_CLI) deploy --guided --config-file $(DEPLOY_CONFIG) || { rm -f $(DEPLOY_CONFIG); exit 1; }; \
	fi

# The stack make deploy created: its name and region as `sam deploy` used them (deploy section over
# global), passed explicitly because `sam delete` reads only its own and the global section.
# sam delete asks before deleting. Delete the flows and connection profiles that use the connector
# first: AppFlow refuses to unregister a connector in use (README "Tear down").
DEPLOYED = $(SAM_BIN)/python -c 'import sys, tomllib; c = tomllib.load(open("$(DEPLOY_CONFIG)", "rb")).get("default", {}); \
    p = {**c.get("global", {}).get("parameters", {}), **c.get("deploy", {}).get("parameters", {})}; \
    print(p.get(sys.argv[1], ""))'

delete: $(SAM_STAMP)
	@test -f $(DEPLOY_CONFIG) || { echo "No $(DEPLOY_CONFIG): nothing deployed from here" >&2; exit 1; }
	@stack=$$($(DEPLOYED) stack_name); region=$$($(DEPLOYED) region); \
	  test -n "$$stack" || { echo "$(DEPLOY_CONFIG) names no stack_name" >&2; exit 1; }; \
	  echo "$(SAM_CLI) delete --stack-name $$stack $${region:+--region $$region}"; \
	  $(SAM_CLI) delete --stack-name "$$stack" $${region:+--region "$$region"}

# The deploying principal's IAM policy, its writes held to this stack's names (mk/deploy_policy.py
# fills mk/deploy-policy.json's ${StackName} and ${Partition}): out/deploy-policy-<stack>.json.
# STACK_NAME: default the stack make deploy uses (samconfig.local.toml, else samconfig.toml);
# PARTITION=aws-cn or aws-us-gov for China or GovCloud.
STACK_NAME ?=
PARTITION  ?= aws
deploy-policy:
	@$(PYTHON) mk/deploy_policy.py $(if $(STACK_NAME),--stack-name "$(STACK_NAME)") --partition "$(PARTITION)" \
	    --output-dir out

# ---------------------------------------------------------------------------------------------
# The function's artifact (sam build runs this with ARTIFACTS_DIR set; tests run it directly).
#
# Wheels for the Lambda platform, never a local compile: the only sdist among the runtime
# dependencies (antlr4-python3-runtime 4.9.3, pure Python) is first built into a wheel.
# boto3/botocore (and their own dependencies) come from the Lambda runtime unless
# BUNDLE_BOTO3=1: see README.md, "What the artifact contains".
LAMBDA_PLATFORM       ?= manylinux2014_aarch64
LAMBDA_PYTHON_VERSION ?= 3.12
BUNDLE_BOTO3          ?= 0
# REQUIRE_PYC=1 fails the build when no python$(LAMBDA_PYTHON_VERSION) is found for the bytecode.
REQUIRE_PYC           ?= 0
# Per build, beside the artifact: concurrent builds into different directories do not collide.
WHEELHOUSE            ?= $(ARTIFACTS_DIR).wheelhouse
# Any python3 >= 3.11 with pip does (it only downloads wheels and builds a pure-Python one);
# the SAM tool venv's when there is one (Debian's python3 may come without pip).
BUILD_PYTHON          ?= $(firstword $(wildcard $(SAM_BIN)/python) $(PYTHON))
BUILD_PIP             ?= $(BUILD_PYTHON) -m pip --disable-pip-version-check
# An interpreter of the runtime's version compiles the bytecode; none found: no .pyc shipped.
PYC_PYTHON ?= $(firstword $(foreach c,python$(LAMBDA_PYTHON_VERSION) \
    $(wildcard $(HOME)/.pyenv/versions/$(LAMBDA_PYTHON_VERSION).*/bin/python$(LAMBDA_PYTHON_VERSION)) \
    /usr/bin/python$(LAMBDA_PYTHON_VERSION) /usr/local/bin/python$(LAMBDA_PYTHON_VERSION),\
    $(shell $(c) -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(LAMBDA_PYTHON_VERSION)".split("."))))' \
        >/dev/null 2>&1 && command -v $(c))))

build-ConnectorFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 1; }
	mkdir -p "$(ARTIFACTS_DIR)" $(WHEELHOUSE)
	$(BUILD_PYTHON) -c 'import sys, tomllib; \
	    deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
	    skip = () if "$(BUNDLE_BOTO3)" == "1" else ("boto3", "botocore"); \
	    print("\n".join(d for d in deps if d.split("=")[0].strip().lower() not in skip))' \
	    > $(WHEELHOUSE)/requirements.txt
	$(BUILD_PIP) wheel --quiet --no-deps --wheel-dir $(WHEELHOUSE) \
	    $$(grep -i '^antlr4-python3-runtime' $(WHEELHOUSE)/requirements.txt)
	$(BUILD_PIP) install --quiet --no-compile --no-warn-conflicts --upgrade --target "$(ARTIFACTS_DIR)" \
	    --platform $(LAMBDA_PLATFORM) --python-version $(LAMBDA_PYTHON_VERSION) --implementation cp \
	    --only-binary=:all: --find-links $(WHEELHOUSE) -r $(WHEELHOUSE)/requirements.txt
	# Console scripts, and the SDK wheel's example connector and its tests: never imported.
	rm -rf "$(ARTIFACTS_DIR)/bin" "$(ARTIFACTS_DIR)"/custom_connector_example \
	    "$(ARTIFACTS_DIR)"/custom_connector_integ_test "$(ARTIFACTS_DIR)"/custom_connector_tests "$(WHEELHOUSE)"
	tar -cf - --exclude=__pycache__ --exclude='*.pyc' connector handlers | tar -xf - -C "$(ARTIFACTS_DIR)"
	@if [ -n "$(PYC_PYTHON)" ]; then \
	  echo "Compiling bytecode with $(PYC_PYTHON) (unchecked-hash: the zip's 1980 timestamps cannot stale it)"; \
	  "$(PYC_PYTHON)" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)" >/dev/null; \
	elif [ "$(REQUIRE_PYC)" = 1 ]; then \
	  echo "No python$(LAMBDA_PYTHON_VERSION) found to compile bytecode (set PYC_PYTHON=...)" >&2; exit 1; \
	else \
	  echo "WARNING: no python$(LAMBDA_PYTHON_VERSION) found: the artifact ships no .pyc, so every cold start" \
	       "compiles the imports (about +0.2 s). Set PYC_PYTHON=/path/to/python$(LAMBDA_PYTHON_VERSION)."; \
	fi

# The interpreter the bytecode is compiled with (empty: none found). tests/test_build.py asks.
pyc-python:
	@echo "$(PYC_PYTHON)"

# Cold import time of the built handler, with and without bytecode (bench/cold_start.py).
bench-cold-start: $(STAMP)
	$(BIN)/python bench/cold_start.py
