from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "kameng.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from kameng.knowledge.indexing import KIND, all_documents
        from kameng.search.registry import register_source

        # A full re-index of the search (kameng search_reindex) reads every article through this.
        register_source(KIND, all_documents)
