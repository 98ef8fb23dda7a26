import * as Accordion from '@radix-ui/react-accordion'
import { useMemo } from 'react'
import type { PolicyView } from '../../../shared/policy-contract'
import type { DashboardClient } from '../client'
import { withSemanticDefaults, type PolicyDoc } from '../state/policy-form'
import { POLICY_SECTIONS } from '../state/policy-sections'
import { BanditArms } from './BanditArms'
import { ClusterEditor } from './ClusterEditor'
import { PolicySectionForm, type PolicyEditing } from './PolicySectionForm'

interface PolicyAccordionsProps {
  client: DashboardClient
  view: PolicyView
  /** Send the whole override; rejects with the engine's field errors. */
  save: (patch: PolicyDoc) => Promise<void>
  disabled: boolean
}

/**
 * The policy, one accordion section per concern (Radix Accordion: keyboard and ARIA as
 * shadcn/ui builds it, drawn in the dashboard's black-and-white). A closed section renders
 * nothing, so the clusters are listed only when the semantic section is opened.
 */
export function PolicyAccordions({ client, view, save, disabled }: PolicyAccordionsProps) {
  const editing: PolicyEditing = useMemo(
    () => ({
      base: view.base,
      patch: view.patch ?? {},
      view: withSemanticDefaults(view.effective),
      changedPaths: new Set(view.diff.map((d) => d.path)),
      save,
      disabled,
    }),
    [view, save, disabled],
  )
  const changedIn = (prefixes: string[]) => [...editing.changedPaths].filter((p) => prefixes.some((x) => p === x || p.startsWith(`${x}.`))).length
  return (
    <Accordion.Root type="multiple" defaultValue={['thresholds']} className="flex flex-col border-2 border-black" data-testid="policy-accordions">
      {POLICY_SECTIONS.map((section) => {
        const changed = changedIn([...new Set(section.fields(editing.view).map((f) => f.path.split('.')[0]!))])
        return (
          <Accordion.Item key={section.id} value={section.id} className="border-b-2 border-black last:border-b-0">
            <Accordion.Header className="m-0">
              <Accordion.Trigger
                className="group flex w-full items-center gap-3 px-3 py-2 text-left hover:bg-gray-100 data-[state=open]:bg-black data-[state=open]:text-white"
                data-testid={`policy-section-${section.id}`}
              >
                <span aria-hidden="true" className="font-black transition-transform group-data-[state=open]:rotate-90">
                  ▸
                </span>
                <span className="flex min-w-0 flex-1 flex-col">
                  <span className="text-sm font-black tracking-[0.2em] uppercase">{section.title}</span>
                  <span className="truncate text-xs opacity-80">{section.summary}</span>
                </span>
                {changed > 0 ? (
                  <span className="shrink-0 border-2 border-current px-1 text-xs font-bold" data-testid={`policy-section-changed-${section.id}`}>
                    {changed} ≠ default
                  </span>
                ) : null}
              </Accordion.Trigger>
            </Accordion.Header>
            <Accordion.Content className="flex flex-col gap-3 p-3" data-testid={`policy-content-${section.id}`}>
              <PolicySectionForm section={section} editing={editing} />
              {section.id === 'semantic' ? <ClusterEditor client={client} /> : null}
              {section.id === 'bandit' ? <BanditArms client={client} /> : null}
              {section.id === 'budgets' ? (
                <p className="text-xs text-gray-600">
                  Spending caps (daily, monthly, and what happens once one is reached) and the endpoints&apos; health are set in the HEALTH &amp; COST panel,
                  where spend is shown against them.
                </p>
              ) : null}
            </Accordion.Content>
          </Accordion.Item>
        )
      })}
    </Accordion.Root>
  )
}
