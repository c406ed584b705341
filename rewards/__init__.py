"""Points, badges, leaderboards and monthly champions (imports adoption, never api or pilots)."""
