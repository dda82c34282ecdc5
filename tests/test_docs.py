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


def test_the_protocol_doc_lists_every_command_and_its_arguments():
    """docs/control-protocol.md's command table names exactly the commands of
    dhcp4c.control.COMMAND_TABLE, in its order, and each command's argument
    names (or "—" for none)."""
    from dhcp4c.control import COMMAND_TABLE
    with open(os.path.join(rig.REPO, "docs", "control-protocol.md")) as f:
        text = f.read()
    table = text.split("## Commands", 1)[1].split("\n\n", 2)[1]
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert [r[0].strip("| `") for r in rows] == [name for name, _, _ in COMMAND_TABLE]
    for row, (name, _, args) in zip(rows, COMMAND_TABLE):
        if not args:
            assert row[1] == "—", name
        for a in args:
            assert "`{}`".format(a) in row[1], (name, a)


def test_the_codec_doc_lists_the_option_table():
    """docs/codec.md's option table has one row per row of
    dhcp4c.values.OPTIONS, in its order: code, udhcpc name ("—" for none),
    kind name and display name; and says what each kind is."""
    from dhcp4c.values import KIND_NAMES, OPTIONS
    with open(os.path.join(rig.REPO, "docs", "codec.md")) as f:
        text = f.read()
    section = text.split("## The option table", 1)[1].split("\n## ", 1)[0]
    table = section.split("| code | udhcpc | kind | name |\n| --- | --- | --- | --- |\n", 1)[1]
    rows = [tuple(c.strip() for c in line.strip("|").split("|"))
            for line in table.split("\n\n", 1)[0].splitlines()]
    want = [(str(c), "`{}`".format(s) if s else "—", KIND_NAMES[k], n)
            for c, s, k, n in OPTIONS]
    for have, row in zip(rows, want):
        assert have == row, "docs/codec.md option table: {} should be {}".format(have, row)
    assert len(rows) == len(want), "docs/codec.md option table: {} rows, the code {}".format(
        len(rows), len(want))
    kinds = section.split("Kinds:", 1)[1].split("\n\n", 1)[0]
    for k in KIND_NAMES[1:]:
        assert "`{}`".format(k) in kinds, "docs/codec.md does not say what kind {} is".format(k)
