"""The IRC adapter on the ``irc`` library: the connection, capability negotiation and
login, the line rules, the paced outbound queue and the reconnection backoff.
"""
