"""Sessions (lab 03): continue a session in another process, recover from a lost service id, measure growth."""
