/** Settings › Teams: a team is a name for a set of tags; the timeline's team filter shows changes with any. */
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { CreateForm, InlineField, useAction } from "./create_form.tsx";
import { loadTeams, teams } from "./state.ts";

export function Teams() {
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  const remove = useAction();
  return (
    <section class="panel teams" aria-labelledby="teams-title">
      <h2 id="teams-title">Teams</h2>
      <p class="muted">
        A team is a name for a set of tags; the timeline's team filter shows changes carrying any of them.
      </p>
      <ul class="conns">
        {teams.value.map((t) => (
          <li class="conn row" key={t.id}>
            <strong>{t.name}</strong> {t.tags.map((x) => <span class="tag" key={x}>{x}</span>)}
            <button
              type="button"
              class="danger"
              aria-label={`Delete team ${t.name}`}
              onClick={() => remove.run(() => api.deleteTeam(t.id).then(loadTeams))}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      {remove.error && <p class="error-text" role="alert">{remove.error}</p>}
      <CreateForm
        label="New team"
        submit="Add team"
        onCreate={async () => {
          await api.createTeam({ name, tags });
          setName("");
          setTags("");
          await loadTeams();
        }}
      >
        <InlineField label="Name" name="team-name" value={name} onInput={setName} />
        <InlineField
          label="Tags"
          name="team-tags"
          value={tags}
          placeholder="team-payments, payments-prod"
          onInput={setTags}
        />
      </CreateForm>
    </section>
  );
}
