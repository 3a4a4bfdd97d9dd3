#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image. Zip this folder together with
# the numgrader project (as numgrader/) and upload the zip as the autograder.
set -euo pipefail
apt-get update && apt-get install -y --no-install-recommends python3 python3-pip python3-venv libseccomp2
python3 -m venv /opt/numgrader
/opt/numgrader/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
/opt/numgrader/bin/pip install /autograder/source/numgrader
