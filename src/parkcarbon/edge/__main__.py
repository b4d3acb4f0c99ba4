"""``python -m parkcarbon.edge`` — the edge CLI without the platform's entry point."""

from parkcarbon.edge.cli import edge_app

if __name__ == "__main__":  # pragma: no branch
    edge_app(prog_name="parkcarbon edge")
