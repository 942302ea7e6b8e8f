"""Routing models (SPEC §8): a kNN router that picks a candidate model per message.

The router in use lives on the runtime (`Runtime.router`): the "router" daemon service loads it
and publishes it there in one assignment, so a turn sees the old router or the new one, never a
half-built one; `routing.pick_route` is given it explicitly.

This package imports nothing heavy: the CLI and the turn may import it freely.
"""
