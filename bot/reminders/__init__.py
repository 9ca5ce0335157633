"""Follow-ups: reminder policy, the sweep that sends DM digests, and its scheduler."""
