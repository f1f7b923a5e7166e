"""Mechanisms every Jiangxin service shares, used the same way everywhere.

storage   the service's database (embedded litemongo, or MongoDB when MONGO_URI is set)
files     files checked by their bytes, stored once by their sha256 (disk, or GridFS with MONGO_URI)
events    the versioned event envelope
outbox    events written in the same document update as the change, and the relay that publishes them
topology  exchanges and queues declared before anything is published
errors    errors that cross RPC and become JSON HTTP responses
"""
