"""The synthetic B2B world: companies with websites, contacts, journeys, events and orders.

``generate_world`` writes a deterministic world into a directory; ``DemoWeb`` serves its
websites on loopback addresses (one address per site) for the crawler and the demo.
"""

from training.world.generate import DEFAULT_END_DATE, WorldSummary, generate_world
from training.world.journeys import EVENT_TYPES, STAGES
from training.world.webserver import DemoWeb, RequestLogEntry

__all__ = [
    "DEFAULT_END_DATE",
    "EVENT_TYPES",
    "STAGES",
    "DemoWeb",
    "RequestLogEntry",
    "WorldSummary",
    "generate_world",
]
