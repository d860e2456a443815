from ninja import NinjaAPI

api = NinjaAPI(title="Seatwise provisioning API", version="1", urls_namespace="api-v1")
