"""Payment gateways: one adapter per provider protocol, looked up by name (see ``base.get_gateway``)."""
