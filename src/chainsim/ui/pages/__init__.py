"""Page bodies: each ``render(state: AppState) -> None`` draws one page from the state."""
