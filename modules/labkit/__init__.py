"""Teaching helpers the labs and tests share, at the top of the import graph (no other package imports them):
a real redis-server (`redis_server`), the network guard (`network_disabled`), sample conversations (`sample`),
storage footprints (`footprint`), an echo chat client (`context_echo`), a Redis turn in a child process
(`redis_turn`), whole-text display (`display`). Ports and child processes live in `modules.runtime`."""
