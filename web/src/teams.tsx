/** Settings › Teams: a team is a name for a set of tags; the timeline's team filter shows changes with any. */
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { CreateForm, InlineField, MadeList, useAction } from "./create_form.tsx";
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
      <MadeList
        items={teams.value}
        row={(t) => (
          <>
            <strong>{t.name}</strong> {t.tags.map((x) => <span class="tag" key={x}>{x}</span>)}
          </>
        )}
        removeText="Delete"
        removeLabel={(t) => `Delete team ${t.name}`}
        onRemove={(t) => remove.run(() => api.deleteTeam(t.id).then(loadTeams))}
        error={remove.error}
      />
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
