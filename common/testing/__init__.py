"""The test kit: what tests at every layer (and the benchmarks) share, written once.

- waiting: wait on a condition, bounded, never a fixed sleep
- http: one HTTP client for the gateway, one assertion for a JSON error
- callers: principals of every role, and their bearer tokens
- contracts: example payloads of every event contract
- factories: small valid competition data (schemes, awards, workers)
- scenarios: a competition driven through the gateway up to its published results
- events: recording the events a service publishes, from the real broker
- services: a service in real containers, called as the gateway calls it
- receivers: a real webhook receiver and a real SMTP server, each in its own process
  (webhook_receiver, smtp_server and records are those processes' own code)
"""
