"""What people did: daily rollups, adoption metrics, insights and who needs help."""
