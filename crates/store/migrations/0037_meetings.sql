-- Meetings and online briefings (issue 15 point 4, giao ban trực tuyến): a meeting of an
-- organising agency, the agencies joining from their connection points (điểm cầu) with the
-- attendance recorded there, the conclusion's tasks, and an append-only history. The
-- invitation (giấy mời) and the conclusion notice are documents of the organiser's outgoing
-- register, referred to by id.
CREATE TABLE meetings (
    id {id},
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    title TEXT NOT NULL,
    chair TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    -- A room of an external video-conference service, always https.
    video_link TEXT,
    agenda TEXT NOT NULL,
    invitation_document_id BIGINT REFERENCES office_documents (id),
    -- Thông báo kết luận: the text, when it was recorded, and its outgoing document.
    conclusion TEXT,
    concluded_at BIGINT,
    conclusion_document_id BIGINT REFERENCES office_documents (id),
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX meetings_agency ON meetings (agency_code, starts_at);

CREATE TABLE meeting_points (
    id {id},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    -- Who runs the point on site.
    host_name TEXT NOT NULL,
    attendance TEXT NOT NULL DEFAULT 'expected'
        CONSTRAINT meeting_points_attendance_values CHECK (attendance IN ('expected', 'present', 'absent')),
    attendees BIGINT CHECK (attendees IS NULL OR attendees > 0),
    recorded_at BIGINT,
    recorded_by BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX meeting_points_agency_once ON meeting_points (meeting_id, agency_code);
CREATE INDEX meeting_points_agency ON meeting_points (agency_code, meeting_id);

CREATE TABLE meeting_tasks (
    id {id},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    description TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CONSTRAINT meeting_tasks_status_values CHECK (status IN ('open', 'done')),
    done_at BIGINT,
    done_by BIGINT REFERENCES users (id)
);
CREATE INDEX meeting_tasks_meeting ON meeting_tasks (meeting_id, id);
-- The open tasks of an agency by deadline, for its overdue list and digests.
CREATE INDEX meeting_tasks_agency ON meeting_tasks (agency_code, status, due_at);

-- Append-only: who did what to a meeting.
CREATE TABLE meeting_events (
    id {id},
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX meeting_events_meeting ON meeting_events (meeting_id, id);

-- Each officer's calendar feed token, by its SHA-256: calendar apps fetch the feed with the
-- token in the URL, as they cannot send a bearer header. Rotating replaces the row.
CREATE TABLE calendar_feed_tokens (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
