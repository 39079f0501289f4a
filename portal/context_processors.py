from portal.conf import portal_settings


def portal(request):
    return {"site_name": portal_settings.site_name}
