"""The pages of the web app, one module per page; each route is a plain function listed in ``web.routes``."""
