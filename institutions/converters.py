"""``<module:…>`` in URLs: ``jc`` → the 建材 module, ``dj`` → the 地基 module; the view receives the slug."""

from django.urls import register_converter

from .modules import MODULE_SLUGS


class ModuleConverter:
    regex = "jc|dj"

    def to_python(self, value):
        return value

    def to_url(self, value):
        if value not in MODULE_SLUGS:
            raise ValueError(value)
        return value


register_converter(ModuleConverter, "module")
