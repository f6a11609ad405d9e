"""Mermaid state diagrams, drawn by the `transitions` Mermaid engine (no graphviz)."""

from __future__ import annotations

from typing import cast

from states import Definition


def mermaid(definition: Definition) -> str:
    from transitions.extensions.diagrams import GraphMachine

    class _Model:
        pass

    machine = GraphMachine(
        model=_Model(),
        states=list(definition.state_names),
        transitions=[
            {"trigger": e.name, "source": src, "dest": dst}
            for e in definition.events
            for src, dst in e.moves
        ],
        initial=definition.initial,
        auto_transitions=False,
        graph_engine="mermaid",
        title=definition.key,
    )
    # Without a file name, draw returns the diagram text (the stubs give Any here).
    return cast(str, machine.get_graph().draw(None)).rstrip("\n")
