"""Understanding requests and phrasing replies."""
