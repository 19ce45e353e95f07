"""Teaching helpers the labs and tests share, at the top of the import graph (no other package imports them):
a real redis-server (`redis_server`), the network guard (`network_disabled`), sample conversations (`sample`),
storage footprints (`footprint`), an echo chat client (`context_echo`), a Redis turn in a child process
(`redis_turn`), whole-text display (`display`). Ports and child processes live in `modules.runtime`."""

from modules.labkit.display import show_whole_text
from modules.labkit.footprint import turn_write_sizes
from modules.labkit.network_guard import NetworkBlockedError, network_disabled
from modules.labkit.redis_server import RedisServer, lab_redis
from modules.labkit.redis_turn import run_turn_in_new_process
from modules.labkit.sample import sample_record

__all__ = [
    "NetworkBlockedError",
    "RedisServer",
    "lab_redis",
    "network_disabled",
    "run_turn_in_new_process",
    "sample_record",
    "show_whole_text",
    "turn_write_sizes",
]
