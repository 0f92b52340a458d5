"""Access: who may call, and how often. One credential check, one brute-force guard and one
rate limiter, shared by every door through the Authenticator."""
