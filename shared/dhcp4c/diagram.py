"""The state machine drawn: dhcp4c.states.transitions() as a Graphviz digraph.
For host tools and docs only (not copied to boards: a board never draws).

    from dhcp4c.diagram import to_dot       (dhcpctl fsm, docs/state-machine.md)
"""
from dhcp4c.states import NAMES, transitions


def to_dot(name="dhcp4c"):
    """The transition table as a Graphviz digraph (edges with the same ends merged)."""
    lines = ["digraph {} {{".format(name), "  rankdir=TB;",
             "  node [shape=box, style=rounded];"]
    done = []
    edges = transitions()
    for t in edges:
        key = (t[0], t[1])
        if key in done:
            continue
        done.append(key)
        why = [u[2] for u in edges if u[0] == t[0] and u[1] == t[1]]
        lines.append('  {} -> {} [label="{}"];'.format(
            NAMES[t[0]], NAMES[t[1]], "\\n".join(why)))
    lines.append("}")
    return "\n".join(lines) + "\n"
