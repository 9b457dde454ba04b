from fastapi_offline import FastAPIOffline

# FastAPIOffline makes an ordinary FastAPI app. The one difference: its /docs page
# works without an internet connection, so it works in the sandbox too.
app = FastAPIOffline()

# Add your endpoints below.
