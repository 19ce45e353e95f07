"""Teaching helpers the labs and tests share: free ports, child processes, a real redis-server, the network
guard, sample conversations, storage footprints, an echo chat client, a Redis turn in a child process."""
