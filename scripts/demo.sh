#!/usr/bin/env bash
# One command for a fresh machine: install what is needed, build, and run the
# gateway with its built-in simulator (4 UPS, 32 strings, 3840 cells).
# In another terminal: .build/release/bmgw status --config config/demo.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product bmgw
exec .build/release/bmgw run --config config/demo.yaml
