# make test  - install what is missing (scripts/bootstrap.sh), then run every test
# make bench - install what is missing, then run every bench/*.py
PY := .venv/bin/python

.PHONY: test bench bootstrap flash demo firmware

bootstrap:
	bash scripts/bootstrap.sh

test:
	bash scripts/bootstrap.sh && $(PY) -m pytest -ra tests

bench:
	bash scripts/bootstrap.sh
	@set -e; found=0; for f in bench/*.py; do \
		[ -e "$$f" ] || continue; found=1; \
		echo "== $$f"; $(PY) "$$f"; \
	done; [ $$found = 1 ] || echo "no benchmarks in bench/ yet"

# make flash BOARD=unix PORT=socket://127.0.0.1:4000  (boards: see manifest.json "boards")
flash:
	@[ -n "$(BOARD)" ] && [ -n "$(PORT)" ] || { echo "usage: make flash BOARD=<name> PORT=<port>"; exit 2; }
	$(PY) scripts/flash.py --board "$(BOARD)" --port "$(PORT)" $(if $(APP),--app "$(APP)")

# make demo [APP=file.py] - a virtual board gets, renews and releases a lease, or boots
# your application (needs root)
demo:
	@[ "$$(id -u)" = 0 ] || { echo "make demo needs root (network namespaces, dnsmasq): sudo make demo"; exit 1; }
	bash scripts/bootstrap.sh
	$(PY) scripts/demo.py $(if $(APP),--app "$(APP)") $(DEMO_ARGS)

# make firmware BOARD=unix|qemu - build that image from MicroPython's source and print its
# path (build/micropython/); for a real board (manifest.json "boards") print the command
firmware:
	@[ -n "$(BOARD)" ] || { echo "usage: make firmware BOARD=<unix|qemu|board>"; exit 2; }
	@python3 scripts/micropython.py --firmware "$(BOARD)"
