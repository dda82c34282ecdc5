# Freeze dhcp4c and the firmware adapter into a custom MicroPython build:
#   make -C ports/rp2 BOARD=RPI_PICO_W FROZEN_MANIFEST=/path/to/dhcp4c/manifest.py
# (include the port's own manifest first, as below). The board profile
# (boards/*.py -> /board.py) and main.py stay on the filesystem.
# Kept in step with manifest.json by tests/test_firmware_static.py.
include("$(PORT_DIR)/boards/manifest.py")
metadata(description="DHCPv4 client for MicroPython boards", version="0.1.0")
package("dhcp4c", files=('__init__.py', 'build.py', 'client.py', 'constants.py', 'control.py', 'errors.py', 'events.py', 'frames.py', 'lease.py', 'message.py', 'options.py', 'states.py', 'stats.py', 'timers.py'), base_path="shared")
module("dhcp4c_board.py", base_path="firmware")
module("dhcpnic.py", base_path="firmware")
