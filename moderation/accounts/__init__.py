"""The moderators: who they are, their passwords, their sessions."""
