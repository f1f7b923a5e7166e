"""The HTTP gateway: Jiangxin's public JSON API, in front of the services.

One module of routes per service (gateway.competitions, gateway.talent_pool, gateway.studios,
gateway.notifications) and one for
operators (gateway.operations); each reaches its service only through the service's public API
module (``services.<name>.api``) and one bounded RPC proxy. The routes are nameko entrypoints
(common.web.route), gathered here into the one service that serves them.
"""
from gateway.competitions import CompetitionRoutes
from gateway.notifications import NotificationRoutes
from gateway.operations import OperationsRoutes
from gateway.studios import StudioRoutes
from gateway.talent_pool import TalentPoolRoutes


class GatewayService(OperationsRoutes, CompetitionRoutes, TalentPoolRoutes, StudioRoutes,
                     NotificationRoutes):
    name = "gateway"
