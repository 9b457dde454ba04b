"""The classroom service: a small JupyterHub service at ``/services/classroom/`` where instructors
publish lesson packs to Hub groups and see the class gradebook, and learners' sandboxes fetch the
packs offered to them and send their progress (``app`` the WSGI app, ``store`` its data, ``serve``
the ``sandbox-classroom`` command)."""
