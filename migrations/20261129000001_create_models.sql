-- The seed's models table, with the columns contract.md's Model shape adds.
-- Enums are text with CHECK constraints: adding a value later is a one-line migration.
CREATE TABLE models (
    id                  BIGSERIAL PRIMARY KEY,
    name                VARCHAR(255) NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('huggingface', 'local')),
    repo_id             VARCHAR(255),
    local_path          VARCHAR(500),
    revision            VARCHAR(64),
    params              VARCHAR(50),
    architecture        VARCHAR(100),
    quantization        TEXT NOT NULL CHECK (quantization IN ('Q4', 'Q8', 'FP16')),
    disk_size_mb        BIGINT,
    estimated_memory_mb BIGINT,
    memory_used_mb      BIGINT,
    cache_path          VARCHAR(500) NOT NULL,
    config_json         JSONB,
    trust_remote_code   BOOLEAN NOT NULL DEFAULT FALSE,
    status              TEXT NOT NULL DEFAULT 'ready'
                        CHECK (status IN ('downloading', 'ready', 'loading', 'loaded', 'error')),
    download_progress   DOUBLE PRECISION,
    error_message       TEXT,
    error_stage         TEXT CHECK (error_stage IN ('download', 'load')),
    -- A hub token sealed with MILLM_SECRET_KEY (AES-256-GCM); never the token in clear.
    sealed_token        TEXT,
    -- The load job allowed to act on this record; a replayed or stale job finds another id.
    load_id             UUID,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    loaded_at           TIMESTAMPTZ,
    CONSTRAINT uq_repo_quantization UNIQUE (repo_id, quantization),
    CONSTRAINT uq_local_path UNIQUE (local_path),
    CONSTRAINT source_fields CHECK (
        (source = 'huggingface' AND repo_id IS NOT NULL AND local_path IS NULL)
        OR (source = 'local' AND local_path IS NOT NULL AND repo_id IS NULL)
    )
);

CREATE INDEX idx_models_status ON models (status);
CREATE INDEX idx_models_repo_id ON models (repo_id);
