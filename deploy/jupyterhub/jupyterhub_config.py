"""JupyterHub configuration for a class on one server: every learner gets their own sandbox.

Copy this file to the server (``/etc/jupyterhub/jupyterhub_config.py``) and start the Hub with
``jupyterhub -f /etc/jupyterhub/jupyterhub_config.py`` from the folder where it keeps its state,
or drop it into The Littlest JupyterHub's ``/opt/tljh/config/jupyterhub_config.d/`` (TLJH keeps
its own proxy, spawner, login and culler, and this file then only adds the sandbox's parts).
docs/classroom.md explains each part. The project's tests start a real Hub with this very file.

What it sets up:
- each learner's server is ``python -m sandbox serve --hub`` (the sandbox as JupyterHub's
  single-user server), with their own home folder for their data;
- the classroom service at ``/services/classroom/`` (``python -m sandbox.classroom_service``),
  where the members of the Hub group ``instructors`` publish packs and read the gradebook;
- configurable-http-proxy from the npm registry (``npm install`` in the project), and the idle
  culler when ``jupyterhub-idle-culler`` is installed.

Environment variables (all optional; the tests and ``python -m bench classroom`` use them to run the
Hub on loopback ports with temporary folders):

    SANDBOX_PYTHON              the Python that has the sandbox installed (default: the Hub's own,
                                or TLJH's user environment)
    SANDBOX_HUB_IP              address the Hub's public proxy listens on (default: all)
    SANDBOX_HUB_PORT            its port (default 8000)
    SANDBOX_HUB_API_PORT        the Hub's own port, for the proxy and the servers (default 8081)
    SANDBOX_HUB_PROXY_API_PORT  the proxy's REST API port (default 8001)
    SANDBOX_HUB_PROXY           the configurable-http-proxy program (default: the project's
                                node_modules/.bin, else the one on PATH)
    SANDBOX_CLASSROOM_PORT      the classroom service's port (default 10101)
    SANDBOX_HUB_STATE_DIR       where the Hub's database, cookie secret, proxy pid and the classroom
                                service's data go (default: the folder the Hub starts in; on
                                TLJH /opt/tljh/state)
    SANDBOX_HUB_HOMES           when set, every user's home is SANDBOX_HUB_HOMES/<name>, all run as
                                the Hub's own system user (SimpleLocalProcessSpawner: for tests and a
                                trusted single-teacher machine); unset, each learner is a system user
                                of the server and runs as that user (LocalProcessSpawner)
    SANDBOX_HUB_GROUPS          Hub groups to create at start: "instructors=ada;class-1=alice,bob"
    SANDBOX_HUB_ADMINS          Hub admins, comma-separated
    SANDBOX_HUB_CULL_MINUTES    stop a server idle this long (default 60; 0: never)
    SANDBOX_HUB_DUMMY_AUTH=1    TESTS ONLY: anyone logs in with any name and any password
    SANDBOX_HUB_ADMIN_TOKEN     TESTS AND BENCH ONLY: an API token that may create users and start
                                and stop their servers (the service "sandbox-bench")
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub gives config files this function)

env = os.environ.get
TLJH = "tljh" in sys.modules  # TLJH loads this file from its own config, which imported its package

# --- the sandbox, as each learner's single-user server ---------------------------------------
TLJH_USER_PYTHON = Path("/opt/tljh/user/bin/python")
PYTHON = env("SANDBOX_PYTHON") or (str(TLJH_USER_PYTHON) if TLJH and TLJH_USER_PYTHON.exists() else sys.executable)
CLASSROOM_PORT = int(env("SANDBOX_CLASSROOM_PORT", "10101"))
CLASSROOM_URL = f"http://127.0.0.1:{CLASSROOM_PORT}"

c.Spawner.cmd = [PYTHON, "-m", "sandbox", "serve", "--hub"]
c.Spawner.environment = {
    # where the learner's sandbox fetches offered packs and sends progress: the service, directly
    "SANDBOX_CLASSROOM_URL": f"{CLASSROOM_URL}/services/classroom/",
}
c.Spawner.start_timeout = 120  # a class logging in at once on a small server starts servers slowly
c.Spawner.http_timeout = 90
c.Spawner.default_url = "/"

# --- the classroom service: instructors publish packs and read the gradebook -----------------
STATE = Path(env("SANDBOX_HUB_STATE_DIR") or ("/opt/tljh/state" if TLJH else os.getcwd())).resolve()
c.JupyterHub.services.append({
    "name": "classroom",
    "display": True,
    "url": CLASSROOM_URL,
    "command": [PYTHON, "-m", "sandbox.classroom_service"],
    "environment": {"SANDBOX_CLASSROOM_DATA": str(STATE / "classroom")},
    "oauth_no_confirm": True,
})
# Every Hub user may open the service (its pages answer only members of the `instructors` group), and
# each learner's server token may call its API: the Hub gives a server token only scopes its owner
# has, so both JupyterHub's default "user" and "server" roles gain the service's access scope.
c.JupyterHub.load_roles.append({
    "name": "user",
    "scopes": ["self", "access:services!service=classroom"],
})
c.JupyterHub.load_roles.append({
    "name": "server",
    "scopes": ["users:activity!user", "access:servers!server", "access:services!service=classroom"],
})

groups = {}
for entry in filter(None, (part.strip() for part in env("SANDBOX_HUB_GROUPS", "").split(";"))):
    name, _, members = entry.partition("=")
    groups[name.strip()] = {"users": [m.strip() for m in members.split(",") if m.strip()]}
groups.setdefault("instructors", {"users": []})
c.JupyterHub.load_groups.update(groups)
admins = {a.strip() for a in env("SANDBOX_HUB_ADMINS", "").split(",") if a.strip()}
if admins:
    c.Authenticator.admin_users = admins

# --- stopping abandoned servers --------------------------------------------------------------
CULL_MINUTES = int(env("SANDBOX_HUB_CULL_MINUTES", "60"))
if not TLJH and CULL_MINUTES > 0 and importlib.util.find_spec("jupyterhub_idle_culler"):
    c.JupyterHub.services.append({
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_MINUTES * 60}"],
    })
    c.JupyterHub.load_roles.append({
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    })

# --- who may log in ---------------------------------------------------------------------------
if env("SANDBOX_HUB_DUMMY_AUTH") == "1":  # TESTS ONLY: any name, any password
    c.JupyterHub.authenticator_class = "dummy"
    c.Authenticator.allow_all = True
elif not TLJH:  # TLJH keeps its own list (tljh-config add-item users.allowed NAME)
    # the members of the groups above, the admins, and whoever an admin adds on /hub/admin
    c.Authenticator.allowed_users = {u for g in groups.values() for u in g["users"]} | admins
    c.Authenticator.allow_existing_users = True

# --- tests and the bench only: an API token that may create users and start their servers -----
if env("SANDBOX_HUB_ADMIN_TOKEN"):
    c.JupyterHub.services.append({"name": "sandbox-bench", "api_token": env("SANDBOX_HUB_ADMIN_TOKEN")})
    c.JupyterHub.load_roles.append({
        "name": "sandbox-bench",
        "services": ["sandbox-bench"],
        "scopes": ["admin:users", "admin:servers", "list:users", "read:users"],
    })

# --- the Hub itself (TLJH sets these its own way) --------------------------------------------
if not TLJH:
    c.JupyterHub.bind_url = f"http://{env('SANDBOX_HUB_IP', '')}:{int(env('SANDBOX_HUB_PORT', '8000'))}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{int(env('SANDBOX_HUB_API_PORT', '8081'))}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env('SANDBOX_HUB_PROXY_API_PORT', '8001'))}"
    c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
    c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
    # configurable-http-proxy: the project's npm install, else one on PATH (npm install -g)
    installed = [p / "node_modules" / ".bin" / "configurable-http-proxy" for p in Path(__file__).resolve().parents]
    proxy = env("SANDBOX_HUB_PROXY") or next((str(p) for p in installed if p.exists()), None) or \
        shutil.which("configurable-http-proxy")
    if proxy:
        c.ConfigurableHTTPProxy.command = [proxy]
    if env("SANDBOX_HUB_HOMES"):
        # every user runs as the Hub's own system user, with their own home folder: tests, or one
        # trusted teacher's machine (learner code is still walled in by the sandbox's bubblewrap)
        c.JupyterHub.spawner_class = "simple"
        c.SimpleLocalProcessSpawner.home_dir_template = str(Path(env("SANDBOX_HUB_HOMES")) / "{username}")
    else:
        # each learner is a system user of this server (PAM login), and their server runs as them in
        # their own home; create users with `adduser`
        c.JupyterHub.spawner_class = "localprocess"
