from django.urls import register_converter

from institutions.models import MODULE_SLUGS


class ModuleConverter:
    """``jc`` → 建材 module, ``dj`` → 地基 module; the view receives the slug."""

    regex = "jc|dj"

    def to_python(self, value):
        return value

    def to_url(self, value):
        if value not in MODULE_SLUGS:
            raise ValueError(value)
        return value


register_converter(ModuleConverter, "module")
