"""The public face of relevo.tools."""

import relevo.tools


def test_public_names() -> None:
    assert sorted(relevo.tools.__all__) == sorted(
        [
            "OfferTerms",
            "ToolContext",
            "ToolEffects",
            "ToolErrorKind",
            "ToolRefused",
            "ToolRegistry",
            "ToolResult",
            "ToolSpec",
            "sequential_ids",
        ]
    )
    assert all(hasattr(relevo.tools, name) for name in relevo.tools.__all__)
