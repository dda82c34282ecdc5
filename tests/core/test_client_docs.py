"""docs/state-machine.md carries the diagram generated from the transition
table; this fails when the two differ. Runs on CPython and MicroPython."""
from dhcp4c.diagram import to_dot


def _doc_path():
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    return here + "/../../docs/state-machine.md"


def test_docs_diagram_is_generated_from_the_table():
    with open(_doc_path()) as f:
        text = f.read()
    start = text.index("<!-- dot:begin -->\n```dot\n") + len("<!-- dot:begin -->\n```dot\n")
    end = text.index("```\n<!-- dot:end -->")
    assert text[start:end] == to_dot(), "regenerate the diagram in docs/state-machine.md"
