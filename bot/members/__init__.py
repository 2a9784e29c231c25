"""Who and where: members, communities and channels (``identity``), forget-me, and platform deliveries."""
