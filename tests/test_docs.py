"""docs/state-machine.md carries the diagram generated from the transition
table; this fails when the two differ. A check of a document on the host
(it reads docs/), so it is not one of the portable tests in tests/core/."""
import os

from dhcp4c.diagram import to_dot

import rig

BEGIN = "<!-- dot:begin -->\n```dot\n"
END = "```\n<!-- dot:end -->"


def test_docs_diagram_is_generated_from_the_table():
    with open(os.path.join(rig.REPO, "docs", "state-machine.md")) as f:
        text = f.read()
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END)
    assert text[start:end] == to_dot(), "regenerate the diagram in docs/state-machine.md"
